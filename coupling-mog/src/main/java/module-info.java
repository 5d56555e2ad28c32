import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.coupling.mog.MixtureCdfCouplingProvider;

/** Mix-1: per-channel Gaussian-mixture CDF coupling, optionally channel-autoregressive. */
module org.tarflow4j.coupling.mog {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides CouplingProvider with
            MixtureCdfCouplingProvider;
}
