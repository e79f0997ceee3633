package io.dlog.broker.cli;

import picocli.CommandLine;

/** The version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = DLogCli.class.getPackage().getImplementationVersion();
        return new String[] {"dlog " + (version == null ? "development" : version)};
    }
}
