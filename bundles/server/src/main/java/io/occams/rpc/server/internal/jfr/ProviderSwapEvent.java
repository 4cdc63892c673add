package io.occams.rpc.server.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A provider of a service was registered or unregistered (hot swap). On by default (swaps are rare). */
@Name("io.occams.rpc.ProviderSwap")
@Label("occams-rpc Provider Swap")
@Category({"occams-rpc", "Providers"})
@Description("A provider of a service was registered or unregistered")
@StackTrace(false)
final class ProviderSwapEvent extends jdk.jfr.Event {
    @Label("Service")
    String service;

    @Label("Change")
    @Description("registered or unregistered")
    String change;

    @Label("Implementation")
    String implementation;

    @Label("Ranking")
    int ranking;

    @Label("Providers")
    @Description("How many providers the service has after the change")
    int providers;
}
