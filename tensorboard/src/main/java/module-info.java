/**
 * TensorBoard event files, written and read natively: {@link org.tarflow4j.tensorboard.SummaryWriter} appends
 * scalars, text, histograms and hparams as TFRecord-framed {@code Event} protocol buffers; {@link
 * org.tarflow4j.tensorboard.EventReader} reads them back, checking every record's CRC32C. Plain Java and
 * protobuf-java: no libtorch, no other tarflow4j module.
 */
module org.tarflow4j.tensorboard {
    requires transitive com.google.protobuf;

    exports org.tarflow4j.tensorboard;
    exports org.tarflow4j.tensorboard.proto;
    exports org.tarflow4j.tensorboard.proto.hparams;
}
