/** The affine coupling of TarFlow: a shift and a scale per channel from a linear head over the features. */
module org.tarflow4j.coupling.affine {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides org.tarflow4j.api.CouplingProvider with
            org.tarflow4j.coupling.affine.AffineCouplingProvider;
}
