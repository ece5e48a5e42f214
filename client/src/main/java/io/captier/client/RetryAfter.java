package io.captier.client;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code Retry-After} (RFC 9110 section 10.2.3): either delay-seconds or an HTTP-date.
 * captier sends whole seconds; an HTTP-date is accepted in all three forms RFC 9110
 * section 5.6.7 asks a recipient to read.
 */
final class RetryAfter {

    // Far beyond any backoff bound; keeps a huge delay-seconds from overflowing.
    private static final Duration AT_MOST = Duration.ofDays(365);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private RetryAfter() {
    }

    /**
     * @param value the header's value, or null
     * @param now   the current time, for an HTTP-date
     * @return the delay it asks for (zero for a date in the past); empty when absent or not
     *         valid, in which case the client's own backoff decides
     */
    static Optional<Duration> parse(String value, Instant now) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (v.length() > 9) {
                return Optional.of(AT_MOST);
            }
            Duration d = Duration.ofSeconds(Long.parseLong(v));
            return Optional.of(d.compareTo(AT_MOST) > 0 ? AT_MOST : d);
        }
        for (DateTimeFormatter format : List.of(DateTimeFormatter.RFC_1123_DATE_TIME, rfc850(now), ASCTIME)) {
            try {
                Instant at = ZonedDateTime.parse(v, format).toInstant();
                Duration d = Duration.between(now, at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d.compareTo(AT_MOST) > 0 ? AT_MOST : d);
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return Optional.empty();
    }

    /**
     * The obsolete RFC 850 form, whose two-digit year RFC 9110 section 5.6.7 reads as the
     * nearest year that is not more than 50 years in the future.
     */
    private static DateTimeFormatter rfc850(Instant now) {
        int year = now.atZone(ZoneOffset.UTC).getYear();
        return new DateTimeFormatterBuilder()
                .appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, year - 49)
                .appendPattern(" HH:mm:ss zzz")
                .toFormatter(Locale.ENGLISH);
    }
}
