package io.occams.rpc.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The batch buffer is written into again only once the connection released it, and never held idle. */
class WriteBatchTest {
    private static final PooledByteBufAllocator ALLOC = new PooledByteBufAllocator(true);

    /** A second flush in the period: from here on the batch is kept. */
    private static WriteBatch busy() {
        WriteBatch batch = new WriteBatch(256);
        ByteBuf lone = batch.get(ALLOC).writeLong(0);
        batch.take().release();
        assertThat(lone.refCnt()).isZero(); // the first flush of a period keeps nothing
        return batch;
    }

    @Test
    void aBatchTheConnectionReleasedIsFilledAgainFromTheStart() {
        WriteBatch batch = busy();
        ByteBuf first = batch.get(ALLOC).writeLong(1);
        ByteBuf written = batch.take();
        assertThat(written).isSameAs(first);
        assertThat(batch.current()).isNull();
        written.release(); // the connection wrote it
        ByteBuf second = batch.get(ALLOC);
        assertThat(second).isSameAs(first);
        assertThat(second.readableBytes()).isZero();
        batch.release();
        assertThat(first.refCnt()).isZero();
    }

    @Test
    void aBatchTheConnectionStillHoldsIsLeftToItAndANewOneIsFilled() {
        WriteBatch batch = busy();
        ByteBuf first = batch.get(ALLOC).writeLong(7);
        ByteBuf written = batch.take(); // queued, not yet written
        ByteBuf second = batch.get(ALLOC);
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
        WriteBatch batch = busy();
        ByteBuf big = batch.get(ALLOC).writeZero(100 * 1024);
        batch.take().release();
        assertThat(big.refCnt()).isZero();
        ByteBuf next = batch.get(ALLOC);
        assertThat(next.capacity()).isEqualTo(256);
        batch.release();
    }

    @Test
    void aKeptBatchUnusedSinceTheLastTrimIsDropped() {
        WriteBatch batch = busy();
        ByteBuf first = batch.get(ALLOC).writeLong(1);
        batch.take().release();
        batch.get(ALLOC);
        batch.take().release(); // reused since the last trim: kept
        batch.trim();
        assertThat(first.refCnt()).isEqualTo(1);
        batch.trim(); // idle for a whole period: dropped
        assertThat(first.refCnt()).isZero();
        batch.release();
        batch.release(); // twice is fine
    }

    @Test
    void aConnectionThatFlushesOnceAPeriodKeepsNothing() {
        WriteBatch batch = new WriteBatch(256);
        for (int period = 0; period < 3; period++) {
            ByteBuf b = batch.get(ALLOC).writeLong(period);
            batch.take().release();
            assertThat(b.refCnt()).isZero();
            batch.trim();
        }
        batch.release();
    }
}
