package io.captier.failure;

/**
 * A conditional write was refused because a buffered write to its key waits for
 * reconciliation: the primary's row is not the newest acknowledged write, so no
 * precondition can be checked against it (503, not applied; docs/decisions.md).
 */
public final class BufferedWritesPending extends RequestRejectedException {

    public BufferedWritesPending(String detail) {
        super(detail);
    }
}
