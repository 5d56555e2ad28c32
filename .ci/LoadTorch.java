/** Loads libtorch once in a throwaway JVM: the very first load on a fresh machine (empty native cache) has been seen to crash. */
public class LoadTorch {
    public static void main(String[] args) {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        System.out.println("libtorch loads: ones(3).sum() = " + org.bytedeco.pytorch.global.torch.ones(3).sum().item_double());
    }
}
