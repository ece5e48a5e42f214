/**
 * {@code captier}, the command-line client: {@link io.captier.client.cli.CaptierCli} and its
 * subcommands over {@link io.captier.client.CaptierClient}. Exit codes are
 * {@link io.captier.client.cli.ExitCode}.
 */
package io.captier.client.cli;
