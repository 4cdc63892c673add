/**
 * Client pools over the stream layer: {@link io.occams.rpc.pool.ClientPool} keeps connections to one
 * address (opened as the windows fill, closed when idle, pinged, reconnected with backoff, health that
 * recovers) and {@link io.occams.rpc.pool.FailoverPool} spreads calls over several addresses and
 * retries only what is safe to retry (spec §5.4, §5.5, fixing §12.2, §12.10 and §12.12). Both are
 * {@link io.occams.rpc.stream.Caller}s, so remote-API proxies run over them unchanged.
 */
@Export
@Version("0.1.0")
package io.occams.rpc.pool;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
