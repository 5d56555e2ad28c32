/** The ${couplingName} coupling for tarflow4j: a plugin that sees only the tarflow4j api. */
module ${package} {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides org.tarflow4j.api.CouplingProvider with
            ${package}.BoundedAffineCouplingProvider;
}
