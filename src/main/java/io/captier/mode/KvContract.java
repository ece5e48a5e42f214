package io.captier.mode;

import java.util.concurrent.CompletionStage;

/**
 * What a profile promises for reads and writes. One implementation per {@link Mode};
 * the API only ever talks to this.
 */
public interface KvContract {

    Mode mode();

    /**
     * A read, started without blocking the caller (the API calls it on an event loop): a
     * contract that must block (JDBC) does so on a worker thread.
     *
     * @return the answer; fails with {@link io.captier.failure.StoreUnavailableException} when
     *         the contract cannot be kept now (503)
     */
    CompletionStage<ReadResult> read(ReadRequest request);

    /**
     * @throws io.captier.failure.StoreUnavailableException nothing was applied (503)
     * @throws io.captier.failure.OutcomeUnknownException   it may have been applied (503, outcome unknown)
     */
    WriteResult write(WriteRequest request);
}
