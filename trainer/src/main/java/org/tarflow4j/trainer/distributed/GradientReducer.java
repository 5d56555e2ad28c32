package org.tarflow4j.trainer.distributed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.SizeTVectorVector;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Averages gradients over the ranks every optimizer step: c10d's {@code Reducer}, the engine of PyTorch's
 * DistributedDataParallel, driven as DDP drives it. It hooks every trainable parameter's gradient accumulator, packs
 * gradients into buckets (1 MiB first, then 25 MiB, last layers first, in the parameters' dtypes), and all-reduces a
 * bucket as soon as its gradients are ready, so communication overlaps the rest of the backward pass; after the
 * backward pass {@code .grad} holds the mean over ranks, identical on every rank.
 *
 * <p>Per step: {@link #startStep} (DDP's forward: the check that the previous reduction finished, and the bucket
 * rebuild in gradient-ready order after the first step), then for the last micro-batch
 * {@link #beforeBackward}{@code (loss, true)} before its backward; earlier micro-batches accumulate locally, as in
 * DDP's {@code no_sync()}. In a world of one process every call does nothing.
 *
 * <p>Built over the parameters that require gradients; when progressive training freezes and adds layers, the next
 * {@link #startStep} builds a new Reducer over the new set. At construction every parameter is overwritten with rank
 * 0's, as DDP does, so ranks start identical whatever their seeds or checkpoints.
 */
public final class GradientReducer {
    /** DDP's defaults: a small first bucket so that communication starts early, 25 MiB after it. */
    static final long FIRST_BUCKET_BYTES = 1L << 20;

    static final long BUCKET_BYTES = 25L << 20;

    private final World world;
    private final Module module;
    private final List<Reducer> retired = new ArrayList<>();
    private Reducer reducer;
    private List<Tensor> trainable = List.of();
    private TensorVector reduced;
    private List<Long> bucketSizes = List.of();

    /** Overwrites every parameter with rank 0's and builds the Reducer; call outside any {@code PointerScope}. */
    public GradientReducer(World world, Module module) {
        this.world = world;
        this.module = module;
        world.broadcastFromMain(named(module, false).values().stream().toList());
        build();
    }

    /**
     * Where DDP's forward begins: (re)builds over the trainable parameters if they changed, and lets the Reducer
     * count the iteration (prepare_for_forward) and rebuild its buckets. Call outside the step's {@code PointerScope}: a new Reducer must outlive it.
     */
    public void startStep() {
        if (world.size() == 1) return;
        boolean changed;
        try (PointerScope scope = new PointerScope()) {
            changed = !sameTensors(named(module, true).values().stream().toList(), trainable);
        }
        if (changed) build();
        reducer.prepare_for_forward();
        reducer.rebuild_buckets();
    }

    /**
     * Before {@code loss.backward()}: with {@code sync} (the step's last micro-batch) the backward pass all-reduces
     * the accumulated gradients; without, it only accumulates them locally.
     */
    public void beforeBackward(Tensor loss, boolean sync) {
        if (reducer != null && sync) reducer.prepare_for_backward(new TensorVector(loss));
    }

    /** Bytes of gradient all-reduced per optimizer step: every trainable parameter's, in its dtype. */
    public long bytesPerStep() {
        try (PointerScope scope = new PointerScope()) {
            long bytes = 0;
            for (Tensor p : named(module, true).values()) bytes += p.nbytes();
            return bytes;
        }
    }

    /** The buckets' sizes in bytes, in the order they are all-reduced (none in a single process). */
    public List<Long> bucketBytes() {
        return bucketSizes;
    }

    private void build() {
        if (world.size() == 1) return;
        if (reducer != null) {
            reducer.remove_autograd_hooks(); // a Reducer whose hooks stay would sync a stale set
            retired.add(reducer); // kept reachable, as every object libtorch's autograd engine may still reach
        }
        Map<String, Tensor> params = named(module, true);
        trainable = List.copyOf(params.values());
        reduced = new TensorVector(trainable.toArray(new Tensor[0]));
        SizeTVector limits = new SizeTVector();
        limits.push_back(FIRST_BUCKET_BYTES);
        limits.push_back(BUCKET_BYTES);
        SizeTVectorVector assigned =
                torch.compute_bucket_assignment_by_size(reduced, limits).get0();
        SizeTVectorVector buckets = new SizeTVectorVector(); // DDP reverses: the last layers' gradients come first
        for (long i = assigned.size() - 1; i >= 0; i--) buckets.push_back(assigned.get(i));
        BoolVector sparse = new BoolVector();
        SizeTStringMap names = new SizeTStringMap();
        int i = 0;
        for (String name : params.keySet()) {
            sparse.push_back(false);
            names.put(i++, name);
        }
        List<Long> sizes = new ArrayList<>();
        for (long b = 0; b < buckets.size(); b++) {
            long bytes = 0;
            SizeTVector members = buckets.get(b);
            for (long k = 0; k < members.size(); k++)
                bytes += trainable.get((int) members.get(k)).nbytes();
            sizes.add(bytes);
        }
        bucketSizes = List.copyOf(sizes);
        reducer = new Reducer(
                reduced,
                buckets,
                world.group(),
                sparse,
                BUCKET_BYTES,
                false,
                false,
                names,
                FIRST_BUCKET_BYTES,
                false,
                false);
    }

    /** Every parameter of the module, in order, as handles of their own. */
    public static List<Tensor> parameters(Module module) {
        return List.copyOf(named(module, false).values());
    }

    /**
     * The module's parameters by name (those that require gradients, or all), as handles of their own: a tensor taken
     * from a temporary vector dangles once the vector is freed.
     */
    static Map<String, Tensor> named(Module module, boolean trainableOnly) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StringTensorDict all = module.named_parameters();
        for (long i = 0; i < all.size(); i++) {
            Tensor p = all.get(i).value();
            if (!trainableOnly || p.requires_grad()) out.put(all.get(i).key().getString(), new Tensor(p));
        }
        return out;
    }

    private static boolean sameTensors(List<Tensor> a, List<Tensor> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (!a.get(i).is_same(b.get(i))) return false;
        return true;
    }
}
