package io.captier.client.cli;

import io.captier.client.Precondition;
import picocli.CommandLine;

/**
 * {@code --expect VERSION|absent|any} as the {@link Precondition} it names (RFC 9110 section
 * 13.1): a version for {@code If-Match: "<version>"}, {@code absent} for
 * {@code If-None-Match: *}, {@code any} for {@code If-Match: *}.
 */
final class Expectation implements CommandLine.ITypeConverter<Precondition> {

    @Override
    public Precondition convert(String value) {
        switch (value) {
            case "absent":
                return Precondition.absent();
            case "any":
                return Precondition.exists();
            default:
                try {
                    return Precondition.versionMatches(Long.parseLong(value));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.TypeConversionException(
                            "'" + value + "' is no version: give a version (a positive decimal number), absent or any");
                }
        }
    }
}
