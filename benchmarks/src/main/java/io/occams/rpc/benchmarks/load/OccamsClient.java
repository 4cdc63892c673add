package io.occams.rpc.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.ClientTask;
import java.util.ArrayList;
import java.util.List;

/**
 * The occams stream-level client of the harness: {@code --conns} {@link ClientStream}s, each keeping
 * {@code --inflight} calls outstanding (closed loop: a completion submits the next call, from the
 * reader, so a read burst costs one flush; each slot's task is sent again, so the client makes no garbage per
 * call). Each call sends numeric action 1 with a {@code --payload}
 * byte msg, or, with {@code --blob N}, an empty msg and an N-byte blob (a retained duplicate of one
 * direct buffer: the blob is never copied on the client). Prints one RESULT line.
 */
public final class OccamsClient {
    private OccamsClient() {}

    public static void main(String[] args) throws Exception {
        String rt = Measure.opt(args, "runtime", null);
        int port = Integer.parseInt(Measure.opt(args, "port", null));
        int conns = Integer.parseInt(Measure.opt(args, "conns", "1"));
        int inflight = Integer.parseInt(Measure.opt(args, "inflight", "1"));
        int payload = Integer.parseInt(Measure.opt(args, "payload", "8"));
        int blobBytes = Integer.parseInt(Measure.opt(args, "blob", "0"));
        double warmup = Double.parseDouble(Measure.opt(args, "warmup", "2"));
        double duration = Double.parseDouble(Measure.opt(args, "duration", "3"));
        Measure m = new Measure();
        try (Runtime runtime = OccamsServer.runtime(rt)) {
            ByteBuf blob = null;
            if (blobBytes > 0) {
                blob = runtime.allocator().directBuffer(blobBytes, blobBytes);
                for (int i = 0; i < blobBytes; i++) {
                    blob.writeByte(i);
                }
            }
            // The default window (128) unless told otherwise; never below what the shape keeps in flight.
            int window = Integer.parseInt(Measure.opt(args, "window", "0"));
            String tls = Measure.opt(args, "tls", "");
            ClientConfig cfg = ClientConfig.builder()
                    .thresholds(window > 0 ? window : Math.max(inflight, 128))
                    .tls(tls.isEmpty() ? null : TlsBench.client(tls))
                    .build();
            List<ClientStream> streams = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                streams.add(ClientStream.connect(runtime, RpcAddress.parse("127.0.0.1:" + port), cfg)
                        .join());
            }
            long word = 0x0102030405060708L;
            for (ClientStream s : streams) {
                for (int i = 0; i < inflight; i++) {
                    s.submit(new Call(s, m, payload, word, blob, System.nanoTime()));
                }
            }
            m.run(warmup, duration);
            for (ClientStream s : streams) {
                s.close();
            }
        }
        System.exit(0);
    }

    /** One call; its completion records the latency and submits the next on the same stream. */
    static final class Call extends ClientTask {
        private final ClientStream stream;
        private final Measure m;
        private final int payload;
        private final long word;
        private final ByteBuf blob;
        /** When the call now in flight was made; the task is sent again from its own completion. */
        private long start;

        Call(ClientStream stream, Measure m, int payload, long word, ByteBuf blob, long start) {
            super(1);
            this.stream = stream;
            this.m = m;
            this.payload = payload;
            this.word = word;
            this.blob = blob;
            this.start = start;
        }

        @Override
        public void encodeMsg(ByteBuf out) {
            if (blob != null) {
                return;
            }
            int n = payload;
            for (; n >= 8; n -= 8) {
                out.writeLongLE(word);
            }
            for (; n > 0; n--) {
                out.writeByte(0x5a);
            }
        }

        @Override
        public ByteBuf takeBlob() {
            return blob == null ? null : blob.retainedDuplicate();
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf b) {
            next(m.record(start));
        }

        @Override
        public void onErrno(int errno) {
            m.errors.increment();
            next(System.nanoTime());
        }

        @Override
        public void onErrorString(ByteBuf text) {
            m.errors.increment();
            next(System.nanoTime());
        }

        @Override
        public void onFailure(RpcException failure) {
            m.errors.increment();
            if (!m.stop && stream.isHealthy()) {
                next(System.nanoTime());
            }
        }

        private void next(long now) {
            if (!m.stop) {
                // A completed task may be sent again (ClientTask): one object per call slot, no garbage per call.
                start = now;
                stream.submit(this);
            }
        }
    }
}
