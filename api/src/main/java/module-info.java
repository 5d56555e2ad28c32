/**
 * The service provider interfaces of tarflow4j. Plugins depend on this module only.
 */
module org.tarflow4j.api {
    requires transitive org.bytedeco.pytorch;
    requires transitive org.bytedeco.javacpp;

    exports org.tarflow4j.api;
    exports org.tarflow4j.api.numerics;

    uses org.tarflow4j.api.CouplingProvider;
    uses org.tarflow4j.api.MixerProvider;
    uses org.tarflow4j.api.BackboneProvider;
}
