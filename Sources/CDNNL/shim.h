// oneDNN's C API (Debian: libdnnl-dev). PyTorch's CPU convolutions and integer GEMMs are oneDNN's
// JIT kernels; we call the same library rather than hand-writing them.
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
