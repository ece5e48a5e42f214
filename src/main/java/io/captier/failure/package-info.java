/**
 * How a store call can fail, as the rest of captier sees it: the store was unavailable and
 * nothing was applied ({@link io.captier.failure.StoreUnavailableException}), the outcome of
 * a sent commit is unknown ({@link io.captier.failure.OutcomeUnknownException}), or the store
 * answered and refused this one request ({@link io.captier.failure.RequestRejectedException}
 * and its kinds). The stores throw them, the circuit breakers and the read/write contracts
 * decide on them, the API maps them to problem responses.
 *
 * <p>Depends on nothing in captier, so that every layer can import it without importing
 * the stores themselves.
 */
package io.captier.failure;
