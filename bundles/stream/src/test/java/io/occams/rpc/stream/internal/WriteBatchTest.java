package io.occams.rpc.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The batch buffer is written into again only once the connection released it, and never held idle. */
class WriteBatchTest {
    private final PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);

    @Test
    void aBatchTheConnectionReleasedIsFilledAgainFromTheStart() {
        WriteBatch batch = new WriteBatch(256);
        ByteBuf first = batch.get(alloc).writeLong(1);
        ByteBuf written = batch.take();
        assertThat(written).isSameAs(first);
        assertThat(batch.current()).isNull();
        written.release(); // the connection wrote it
        ByteBuf second = batch.get(alloc);
        assertThat(second).isSameAs(first);
        assertThat(second.readableBytes()).isZero();
        batch.release();
        assertThat(first.refCnt()).isZero();
    }

    @Test
    void aBatchTheConnectionStillHoldsIsLeftToItAndANewOneIsFilled() {
        WriteBatch batch = new WriteBatch(256);
        ByteBuf first = batch.get(alloc).writeLong(7);
        ByteBuf written = batch.take(); // queued, not yet written
        ByteBuf second = batch.get(alloc);
        assertThat(second).isNotSameAs(first);
        assertThat(first.refCnt()).isEqualTo(1); // only the connection's reference is left
        assertThat(first.getLong(0)).isEqualTo(7); // and its bytes are untouched
        written.release();
        assertThat(first.refCnt()).isZero();
        batch.release();
        assertThat(second.refCnt()).isZero();
    }

    @Test
    void aBatchThatGrewLargeIsNotKept() {
        WriteBatch batch = new WriteBatch(256);
        ByteBuf big = batch.get(alloc).writeZero(100 * 1024);
        batch.take().release();
        assertThat(big.refCnt()).isZero();
        ByteBuf next = batch.get(alloc);
        assertThat(next.capacity()).isEqualTo(256);
        batch.release();
    }

    @Test
    void aKeptBatchUnusedSinceTheLastTrimIsDropped() {
        WriteBatch batch = new WriteBatch(256);
        ByteBuf first = batch.get(alloc).writeLong(1);
        batch.take().release();
        batch.get(alloc);
        batch.take().release(); // reused since the last trim: kept
        batch.trim();
        assertThat(first.refCnt()).isEqualTo(1);
        batch.trim(); // idle for a whole period: dropped
        assertThat(first.refCnt()).isZero();
        batch.release();
        batch.release(); // twice is fine
    }
}
