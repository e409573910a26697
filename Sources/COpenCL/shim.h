// OpenCL 1.2 is the common ground of PoCL and NVIDIA's driver.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
