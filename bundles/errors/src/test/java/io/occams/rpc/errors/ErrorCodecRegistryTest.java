package io.occams.rpc.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.errors.ErrorCodecRegistry.Registration;
import io.occams.rpc.errors.TestErrors.Busy;
import io.occams.rpc.errors.TestErrors.Conflict;
import io.occams.rpc.errors.TestErrors.FixedTextCodec;
import io.occams.rpc.errors.TestErrors.NotFound;
import io.occams.rpc.errors.TestErrors.NotFoundCodec;
import io.occams.rpc.errors.TestErrors.QuotaExceeded;
import io.occams.rpc.errors.TestErrors.ThrowingCodec;
import io.occams.rpc.errors.TestErrors.VersionConflict;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ErrorCodecRegistryTest {
    private final Codec codec = new StringOnlyCodec();
    private final ErrorCodecRegistry registry = ErrorCodecRegistry.withBuiltins();
    private static final WireError INTERNAL = WireError.text("rpc_internal_err");

    // --- registration ---

    @Test
    void aSecondCodecForTheSameTypeFailsAtOnceNamingBoth() {
        ErrorCodec<ErrnoException> second =
                new FixedTextCodec<>(ErrnoException.class, "second", () -> new ErrnoException(1));

        assertThatThrownBy(() -> registry.register(second))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ErrnoException.class.getName())
                .hasMessageContaining("FixedTextCodec")
                .hasMessageContaining(ErrnoErrorCodec.class.getName());
        assertThat(registry.codecFor(ErrnoException.class)).isInstanceOf(ErrnoErrorCodec.class);
    }

    @Test
    void theSameCodecCannotBeRegisteredTwice() {
        NotFoundCodec c = new NotFoundCodec();
        registry.register(c);

        assertThatThrownBy(() -> registry.register(c)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aCodecWhoseTypeIsNotAThrowableIsRefused() {
        @SuppressWarnings({"rawtypes", "unchecked"})
        ErrorCodec<?> bad = new FixedTextCodec(String.class, "x", () -> null);

        assertThatThrownBy(() -> registry.register(bad)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.register(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void closingARegistrationRemovesTheCodecAndAllowsRegisteringAgain() {
        Registration r = registry.register(new NotFoundCodec());
        assertThat(r.isActive()).isTrue();
        assertThat(registry.encode(new NotFound(), codec)).isEqualTo(WireError.errno(2));

        r.close();

        assertThat(r.isActive()).isFalse();
        assertThat(registry.types()).doesNotContain(NotFound.class);
        assertThat(registry.codecFor(NotFound.class)).isInstanceOf(ErrnoErrorCodec.class);
        Registration again = registry.register(new NotFoundCodec());
        assertThat(again.isActive()).isTrue();
        assertThat(registry.types()).contains(NotFound.class);
    }

    @Test
    void closingAnOldRegistrationAgainLeavesItsReplacementInPlace() {
        NotFoundCodec same = new NotFoundCodec();
        Registration first = registry.register(same);
        first.close();
        Registration second = registry.register(same);

        first.close();
        first.close();

        assertThat(second.isActive()).isTrue();
        assertThat(registry.codecFor(NotFound.class)).isSameAs(same);
    }

    @Test
    void tryWithResourcesUnregistersAtTheEndOfTheBlock() {
        try (Registration r = registry.register(new NotFoundCodec())) {
            assertThat(r.codec()).isInstanceOf(NotFoundCodec.class);
            assertThat(registry.types()).contains(NotFound.class);
        }
        assertThat(registry.types()).containsExactly(ErrnoException.class, MessageException.class);
    }

    @Test
    void unregisterRemovesByIdentityAndSaysWhetherItWasThere() {
        NotFoundCodec registered = new NotFoundCodec();
        Registration r = registry.register(registered);

        assertThat(registry.unregister(new NotFoundCodec())).isFalse();
        assertThat(registry.unregister(registered)).isTrue();
        assertThat(registry.unregister(registered)).isFalse();
        assertThat(r.isActive()).isFalse();
        r.close();
        assertThat(registry.types()).containsExactly(ErrnoException.class, MessageException.class);
    }

    @Test
    void typesIsAnUnmodifiableSnapshotInRegistrationOrder() {
        var before = registry.types();
        registry.register(new NotFoundCodec());

        assertThat(before).containsExactly(ErrnoException.class, MessageException.class);
        assertThat(registry.types()).containsExactly(ErrnoException.class, MessageException.class, NotFound.class);
        assertThatThrownBy(() -> registry.types().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(new ErrorCodecRegistry().types()).isEmpty();
    }

    // --- server side: encode ---

    @Test
    void anExceptionWithoutItsOwnCodecIsEncodedByItsNearestSuperclassCodec() {
        assertThat(registry.codecFor(Busy.class)).isInstanceOf(ErrnoErrorCodec.class);
        assertThat(registry.encode(new Busy(), codec)).isEqualTo(WireError.errno(16));
    }

    @Test
    void aSubclassCodecWinsOverItsSuperclassCodecOnBothSides() {
        registry.register(new NotFoundCodec());

        assertThat(registry.encode(new NotFound(), codec)).isEqualTo(WireError.errno(2));
        assertThat(registry.decode(WireError.errno(2), List.of(ErrnoException.class), codec))
                .isExactlyInstanceOf(NotFound.class);
        assertThat(registry.decode(WireError.errno(3), List.of(ErrnoException.class), codec))
                .isExactlyInstanceOf(ErrnoException.class);
        assertThat(registry.decodeAny(WireError.errno(2), codec)).isExactlyInstanceOf(NotFound.class);
    }

    @Test
    void theLookupCacheFollowsRegistrationChanges() {
        assertThat(registry.encode(new VersionConflict("v"), codec)).isEqualTo(INTERNAL);
        Registration parent =
                registry.register(new FixedTextCodec<>(Conflict.class, "conflict", () -> new Conflict("c")));
        assertThat(registry.encode(new VersionConflict("v"), codec)).isEqualTo(WireError.text("conflict"));
        Registration child = registry.register(
                new FixedTextCodec<>(VersionConflict.class, "version", () -> new VersionConflict("v")));
        assertThat(registry.encode(new VersionConflict("v"), codec)).isEqualTo(WireError.text("version"));
        child.close();
        assertThat(registry.encode(new VersionConflict("v"), codec)).isEqualTo(WireError.text("conflict"));
        parent.close();
        assertThat(registry.encode(new VersionConflict("v"), codec)).isEqualTo(INTERNAL);
    }

    @ParameterizedTest
    @EnumSource(RpcCode.class)
    void anRpcExceptionWithACodeGoesOutAsItsWireName(RpcCode code) {
        assertThat(registry.encode(new RpcException(code, "detail that stays local"), codec)
                        .bytes())
                .isEqualTo(code.wireName().getBytes(StandardCharsets.US_ASCII));
        assertThat(new ErrorCodecRegistry().encode(new RpcException(code), codec))
                .isEqualTo(WireError.text(code.wireName()));
    }

    @ParameterizedTest
    @EnumSource(RpcCode.class)
    void aUserMessageEqualToAReservedNameIsNotSentAsThatName(RpcCode code) {
        WireError w = registry.encode(new MessageException(code.wireName()), codec);

        assertThat(w).isEqualTo(INTERNAL);
        if (code != RpcCode.INTERNAL) {
            assertThat(w.text()).isNotEqualTo(code.wireName());
        }
    }

    @Test
    void aUserMessageThatMerelyStartsWithTheReservedPrefixGoesOutAsIs() {
        assertThat(registry.encode(new MessageException("rpc_timeout2"), codec))
                .isEqualTo(WireError.text("rpc_timeout2"));
        assertThat(registry.encode(new MessageException("rpc_"), codec)).isEqualTo(WireError.text("rpc_"));
    }

    @Test
    void aUserCodecThatProducesAReservedNameIsRefused() {
        registry.register(new FixedTextCodec<>(Conflict.class, "rpc_service_notfound", () -> new Conflict("c")));

        assertThat(registry.encode(new Conflict("x"), codec)).isEqualTo(INTERNAL);
    }

    @Test
    void anExceptionWithoutACodecIsSentAsInternalError() {
        assertThat(registry.encode(new IllegalArgumentException("boom"), codec)).isEqualTo(INTERNAL);
        assertThat(registry.encode(new IllegalArgumentException("again"), codec))
                .isEqualTo(INTERNAL);
        assertThat(new ErrorCodecRegistry().encode(new ErrnoException(5), codec))
                .isEqualTo(INTERNAL);
        assertThat(registry.encode(new StackOverflowError(), codec)).isEqualTo(INTERNAL);
    }

    @Test
    void aCodecThatThrowsOrReturnsNothingOnEncodeGivesInternalError() {
        registry.register(new ThrowingCodec<>(Conflict.class));
        registry.register(new ErrorCodec<QuotaExceeded>() {
            @Override
            public Class<QuotaExceeded> type() {
                return QuotaExceeded.class;
            }

            @Override
            public WireError encode(QuotaExceeded e, Codec c) {
                return null;
            }

            @Override
            public QuotaExceeded decode(WireError w, Codec c) {
                return null;
            }
        });

        assertThat(registry.encode(new Conflict("x"), codec)).isEqualTo(INTERNAL);
        assertThat(registry.encode(new QuotaExceeded("q"), codec)).isEqualTo(INTERNAL);
    }

    @Test
    void anUnmappedRpcExceptionIsRelayedWithItsRawValue() {
        assertThat(registry.encode(RpcException.unmappedErrno(0xFFFF_FFFFL), codec))
                .isEqualTo(WireError.errno(-1));
        assertThat(registry.encode(RpcException.unmappedString(new byte[] {1, 2, (byte) 0xff}), codec))
                .isEqualTo(WireError.bytes(new byte[] {1, 2, (byte) 0xff}));
    }

    @Test
    void encodingNullNeverThrows() {
        assertThat(registry.encode(null, codec)).isEqualTo(INTERNAL);
    }

    // --- client side: decode ---

    @ParameterizedTest
    @EnumSource(RpcCode.class)
    void everyReservedNameDecodesToRpcExceptionWithThatCode(RpcCode code) {
        WireError w = WireError.bytes(code.wireBytes());

        for (Throwable t : List.of(
                registry.decode(w, List.of(MessageException.class, ErrnoException.class), codec),
                registry.decode(w, List.of(), codec),
                registry.decodeAny(w, codec),
                new ErrorCodecRegistry().decodeAny(w, codec))) {
            assertThat(t).isExactlyInstanceOf(RpcException.class);
            assertThat(((RpcException) t).code()).isEqualTo(code);
            assertThat(((RpcException) t).isRetryable()).isEqualTo(code.isRetryable());
        }
    }

    @Test
    void aStringFrameDecodesToTheDeclaredMessageException() {
        Throwable t = registry.decode(
                WireError.text("disk full"), List.of(ErrnoException.class, MessageException.class), codec);

        assertThat(t).isExactlyInstanceOf(MessageException.class).hasMessage("disk full");
    }

    @Test
    void aCodecIsNotAskedForATypeTheMethodDoesNotDeclare() {
        Throwable t = registry.decode(WireError.text("disk full"), List.of(ErrnoException.class), codec);

        assertThat(t).isExactlyInstanceOf(RpcException.class);
        assertThat(((RpcException) t).code()).isNull();
        assertThat(((RpcException) t).errorBytes()).isEqualTo("disk full".getBytes(StandardCharsets.UTF_8));
        assertThat(t.getMessage()).contains("disk full");
    }

    @Test
    void declaredTypesAreTriedInDeclarationOrder() {
        registry.register(new FixedTextCodec<>(Conflict.class, "clash", () -> new Conflict("clash")));
        WireError w = WireError.text("clash");

        assertThat(registry.decode(w, List.of(Conflict.class, MessageException.class), codec))
                .isExactlyInstanceOf(Conflict.class);
        assertThat(registry.decode(w, List.of(MessageException.class, Conflict.class), codec))
                .isExactlyInstanceOf(MessageException.class);
    }

    @Test
    void aBroadDeclaredTypeTriesTheMostSpecificCodecFirst() {
        registry.register(new FixedTextCodec<>(Conflict.class, "clash", () -> new Conflict("parent")));
        registry.register(new FixedTextCodec<>(VersionConflict.class, "clash", () -> new VersionConflict("child")));

        assertThat(registry.decode(WireError.text("clash"), List.of(Exception.class), codec))
                .isExactlyInstanceOf(VersionConflict.class);
        assertThat(registry.decode(WireError.text("clash"), List.of(Conflict.class), codec))
                .isExactlyInstanceOf(VersionConflict.class);
    }

    @Test
    void uncheckedExceptionCodecsApplyWithoutBeingDeclared() {
        registry.register(new FixedTextCodec<>(QuotaExceeded.class, "quota", () -> new QuotaExceeded("q")));

        assertThat(registry.decode(WireError.text("quota"), List.of(ErrnoException.class), codec))
                .isExactlyInstanceOf(QuotaExceeded.class);
    }

    @Test
    void aCodecThatThrowsOnDecodeCountsAsNotItsFrame() {
        registry.register(new ThrowingCodec<>(Conflict.class));

        Throwable t = registry.decode(WireError.text("x"), List.of(Conflict.class, MessageException.class), codec);

        assertThat(t).isExactlyInstanceOf(MessageException.class).hasMessage("x");
        assertThat(registry.decodeAny(WireError.errno(7), codec)).isExactlyInstanceOf(ErrnoException.class);
    }

    @Test
    void aCodecThatAnswersWithAnotherTypeIsIgnored() {
        @SuppressWarnings({"rawtypes", "unchecked"})
        ErrorCodec<Conflict> liar =
                new FixedTextCodec(Conflict.class, "lie", () -> new IllegalStateException("not a Conflict"));
        registry.register(liar);

        Throwable t = registry.decode(WireError.text("lie"), List.of(Conflict.class), codec);

        assertThat(t).isExactlyInstanceOf(RpcException.class);
        assertThat(((RpcException) t).errorBytes()).isEqualTo("lie".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownErrnoDecodesToRpcExceptionCarryingTheNumber() {
        Throwable t = registry.decode(WireError.errno(42), List.of(MessageException.class), codec);

        assertThat(t).isExactlyInstanceOf(RpcException.class);
        RpcException e = (RpcException) t;
        assertThat(e.code()).isNull();
        assertThat(e.errno()).isEqualTo(42);
        assertThat(e.errorBytes()).isNull();
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void anUnknownStringDecodesToRpcExceptionCarryingTheBytes() {
        Throwable t = new ErrorCodecRegistry().decodeAny(WireError.text("who knows"), codec);

        RpcException e = (RpcException) t;
        assertThat(e.code()).isNull();
        assertThat(e.errno()).isEqualTo(RpcException.NO_ERRNO);
        assertThat(e.errorBytes()).isEqualTo("who knows".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void malformedUtf8IsNotAMessageExceptionButKeepsItsBytes() {
        byte[] bad = {'o', 'k', (byte) 0xc3, (byte) 0x28};

        Throwable t = registry.decode(WireError.bytes(bad), List.of(MessageException.class), codec);

        assertThat(t).isExactlyInstanceOf(RpcException.class);
        assertThat(((RpcException) t).errorBytes()).isEqualTo(bad);
        assertThat(registry.decodeAny(WireError.bytes(bad), codec)).isExactlyInstanceOf(RpcException.class);
    }

    @Test
    void oddArgumentsNeverMakeDecodeThrow() {
        List<Class<? extends Throwable>> withNull = new ArrayList<>(Arrays.asList(null, MessageException.class));
        @SuppressWarnings({"rawtypes", "unchecked"})
        List<Class<? extends Throwable>> notThrowables = (List) List.of(String.class, Object.class);

        assertThat(registry.decode(WireError.text("m"), withNull, codec)).isExactlyInstanceOf(MessageException.class);
        assertThat(registry.decode(WireError.text("m"), notThrowables, codec)).isExactlyInstanceOf(RpcException.class);
        assertThat(registry.decode(WireError.text("m"), null, codec)).isExactlyInstanceOf(RpcException.class);
        assertThat(registry.decode(null, List.of(), codec)).isExactlyInstanceOf(RpcException.class);
        assertThat(registry.decodeAny(null, codec)).isExactlyInstanceOf(RpcException.class);
    }

    @Test
    void whatTheServerSendsTheClientGetsBack() {
        registry.register(new NotFoundCodec());
        List<Class<? extends Throwable>> declared =
                List.of(NotFound.class, ErrnoException.class, MessageException.class);

        assertThat(registry.decode(registry.encode(new NotFound(), codec), declared, codec))
                .isExactlyInstanceOf(NotFound.class);
        assertThat(registry.decode(registry.encode(new Busy(), codec), declared, codec))
                .isExactlyInstanceOf(ErrnoException.class)
                .satisfies(t -> assertThat(((ErrnoException) t).errno()).isEqualTo(16));
        assertThat(registry.decode(registry.encode(new MessageException("grüße"), codec), declared, codec))
                .hasMessage("grüße");
        assertThat(registry.decode(registry.encode(new IllegalStateException(), codec), declared, codec))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.INTERNAL));
        assertThat(registry.decode(registry.encode(new RpcException(RpcCode.TIMEOUT), codec), declared, codec))
                .isInstanceOfSatisfying(
                        RpcException.class,
                        e -> assertThat(e.is(RpcCode.TIMEOUT)).isTrue());
    }
}
