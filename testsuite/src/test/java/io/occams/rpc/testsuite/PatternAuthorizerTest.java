package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.server.PatternAuthorizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ready authorizer's table: identity patterns to the Service.method patterns they may call. */
class PatternAuthorizerTest {
    private static final PeerIdentity BILLING =
            PeerIdentity.of("CN=billing,O=Example", List.of("dns:billing.example.org"));
    private static final PeerIdentity OPS =
            PeerIdentity.of("CN=ops-7,O=Example", List.of("uri:spiffe://example.org/ops/7"));

    private final PatternAuthorizer rules = PatternAuthorizer.fromProperties(Map.of(
            "allow.billing", "cn:billing -> Billing.*, Ledger.get*",
            "allow.ops", "uri:spiffe://example.org/ops/* -> *",
            "allow.health", "anonymous -> Health.ping",
            "allow.dns", "dns:*.example.org -> Catalog.list",
            "unrelated", "ignored"));

    @Test
    void aCommonNameRuleAllowsItsMethodsAndNothingElse() {
        assertThat(rules.allows(BILLING, "Billing", "charge")).isTrue();
        assertThat(rules.allows(BILLING, "Ledger", "getBalance")).isTrue();
        assertThat(rules.allows(BILLING, "Ledger", "delete")).isFalse();
        assertThat(rules.allows(BILLING, "Health", "ping")).isFalse();
    }

    @Test
    void subjectAlternativeNamesMatchByType() {
        assertThat(rules.allows(OPS, "Anything", "atAll")).isTrue();
        assertThat(rules.allows(BILLING, "Catalog", "list")).isTrue();
        assertThat(rules.allows(OPS, "Catalog", "list")).isTrue();
    }

    @Test
    void anonymousCallersGetOnlyTheAnonymousRules() {
        assertThat(rules.allows(PeerIdentity.ANONYMOUS, "Health", "ping")).isTrue();
        assertThat(rules.allows(PeerIdentity.ANONYMOUS, "Billing", "charge")).isFalse();
        assertThat(rules.allows(BILLING, "Health", "ping"))
                .as("anonymous means no certificate")
                .isFalse();
    }

    @Test
    void aWholeSubjectGlobAndTheWildcardIdentity() {
        PatternAuthorizer a = PatternAuthorizer.of("CN=billing,O=* -> Billing.refund", "* -> Health.*");
        assertThat(a.allows(BILLING, "Billing", "refund")).isTrue();
        assertThat(a.allows(OPS, "Billing", "refund")).isFalse();
        assertThat(a.allows(PeerIdentity.ANONYMOUS, "Health", "ping")).isTrue();
    }

    @Test
    void anEmptyTableDeniesEverything() {
        assertThat(PatternAuthorizer.fromProperties(Map.of()).allows(OPS, "Health", "ping"))
                .isFalse();
    }

    @Test
    void aRuleWithoutAnArrowIsRejectedNamingItsProperty() {
        assertThatThrownBy(() -> PatternAuthorizer.fromProperties(Map.of("allow.bad", "cn:x Billing.*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("allow.bad");
    }
}
