#!/usr/bin/env bash
# Speed side by side, interleaved on one machine: each PyTorch reference step from
# ../shared/anchors, then `clipcanvas bench --reference` of the same case (README, Speed).
# Usage (from the repository root, after `swift build -c release`):
#   Tools/bench/side_by_side.sh [OUTDIR]   (default out/side-by-side)
# The anchors' results go to OUTDIR/results (what `bench --reference` reads), our rows to
# OUTDIR/ours-*.txt. Needs a Python with torch, open_clip_torch and torchvision (../shared/anchors/README.md).
set -uo pipefail
BIN=$PWD/.build/release/clipcanvas; OUT=$(realpath -m "${1:-out/side-by-side}"); A=$(realpath ../shared/anchors); R=$OUT/results
mkdir -p $R
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 ANCHOR_THREADS=2
ref() {  # name, script, args...
  local name=$1; shift
  /usr/bin/time -v -o $R/$name.time python3 $A/"$@" --json $R/$name.json > $R/$name.log 2>&1
  grep -E "total|Maximum resident" $R/$name.log $R/$name.time | head -3
}
ours() {  # label, bench args...
  local label=$1; shift
  $BIN bench --reference $R "$@" > $OUT/ours-$label.txt 2>&1; cat $OUT/ours-$label.txt
}
date
(cd $A && python3 bench_sgemm.py --json $R/sgemm.json > $R/sgemm.log 2>&1); cat $R/sgemm.log
(cd $A && python3 bench_clip.py --iters 5 --json $R/clip.json 2>&1 | grep -v WARNING > $R/clip.log); cat $R/clip.log
ours clip --only vitb32.fwdbwd.b8 --precision fp32,int8,bf16 --min-runs 5
ours rn101 --only rn101.fwdbwd.b5 --precision fp32,bf16 --min-runs 5
cd $A
ref cd_none_frozen iter_clipdraw.py --render none --model-grads frozen --iters 10
ours clipdraw --only iter.clipdraw --precision fp32,int8,bf16 --min-runs 10
ref ca_none_frozen iter_clipasso.py --render none --model-grads frozen --iters 10
ours clipasso --only iter.clipasso --precision fp32,bf16 --min-runs 5   # also .fast and .single (views_per_pass 1)
ref ag_frozen iter_clipag.py --model-grads frozen --iters 5
ours clipag --only iter.clipag --precision fp32,int8,bf16 --min-runs 3
ref st_vgg_frozen iter_clipstyler.py --content-loss on --model-grads frozen --iters 5
ours clipstyler --only iter.clipstyler --precision fp32,int8 --min-runs 3
ours threads-clipdraw --only iter.clipdraw --precision fp32,int8 --threads 1,2 --min-runs 5
ours threads-clipasso --only iter.clipasso --threads 1,2 --min-runs 3
ours threads-clipag --only iter.clipag --precision fp32,int8 --threads 1,2 --min-runs 2
ours conv --only conv. --min-runs 3
CLIPCANVAS_GEMM=openblas ours openblas --only iter.clip --min-runs 2
date
