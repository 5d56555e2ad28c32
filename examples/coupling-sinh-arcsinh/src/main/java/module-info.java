/** An example third-party coupling for tarflow4j: sinh-arcsinh after an affine. */
module org.example.tarflow.sinharcsinh {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides org.tarflow4j.api.CouplingProvider with
            org.example.tarflow.sinharcsinh.SinhArcsinhCouplingProvider;
}
