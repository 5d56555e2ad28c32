/** The built-in channel mixers: {@code even-odd} (a permutation between layers) and {@code identity}. */
module org.tarflow4j.mixer {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides org.tarflow4j.api.MixerProvider with
            org.tarflow4j.mixer.EvenOddMixerProvider,
            org.tarflow4j.mixer.IdentityMixerProvider;
}
