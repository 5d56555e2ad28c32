import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.coupling.rosenblatt.RosenblattCouplingProvider;

/** Mix-d: d-dimensional isotropic Gaussian-mixture Rosenblatt coupling. */
module org.tarflow4j.coupling.rosenblatt {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides CouplingProvider with
            RosenblattCouplingProvider;
}
