package io.captier.mode;

/**
 * What a profile promises for reads and writes. One implementation per {@link Mode};
 * the API only ever talks to this.
 */
public interface KvContract {

    Mode mode();

    /**
     * @throws io.captier.failure.StoreUnavailableException the contract cannot be kept now (503)
     */
    ReadResult read(ReadRequest request);

    /**
     * @throws io.captier.failure.StoreUnavailableException nothing was applied (503)
     * @throws io.captier.failure.OutcomeUnknownException   it may have been applied (503, outcome unknown)
     */
    WriteResult write(WriteRequest request);
}
