/// Upper bounds on the counts every method's recipe shares. Each method's configuration adds its
/// own (strokes, views, patches); `validate()` enforces them for presets and flags alike, and the
/// commands' `--help` states them. The bounds are far above any useful recipe and far below what
/// overflows a counter or exhausts memory before the run's memory estimate is even made.
public enum CountLimits {
    /// Optimisation steps: 100,000 CLIPDraw steps are about 17 hours on a 2-core CPU.
    public static let iterations = 100_000
    /// Views per pass through CLIP: each ViT-B/32 view keeps about 40 MB of activations on the
    /// tape, an RN101 view about 66 MB, so 64 at once is already several GB.
    public static let viewsPerPass = 64
}
