# Finds LibTorch and detects what it was built with. Sets:
#   REN_HAVE_CUDA  ON when the LibTorch found was built with CUDA
#   REN_HAVE_NCCL  ON when it also ships the c10d NCCL process group
# and the function ren_use_torch_accelerators(<target>) that adds the matching definitions
# (REN_HAVE_CUDA=1, REN_HAVE_NCCL=1 and USE_C10D_NCCL, which the c10d NCCL headers expect).
# Shared by the project and by tools/torch-probe, so both detect alike.
find_package(Torch REQUIRED)

set(REN_HAVE_CUDA OFF)
if(TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA OR TARGET torch_cuda)
  set(REN_HAVE_CUDA ON)
endif()
set(REN_HAVE_NCCL OFF)
if(REN_HAVE_CUDA)
  find_file(REN_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
            PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH NO_CACHE)
  if(REN_NCCL_HEADER)
    set(REN_HAVE_NCCL ON)
  endif()
endif()
message(STATUS "REN-HPC: LibTorch ${Torch_VERSION}, CUDA ${REN_HAVE_CUDA}, NCCL ${REN_HAVE_NCCL}")

function(ren_use_torch_accelerators target)
  if(REN_HAVE_CUDA)
    target_compile_definitions(${target} PRIVATE REN_HAVE_CUDA=1)
  endif()
  if(REN_HAVE_NCCL)
    target_compile_definitions(${target} PRIVATE REN_HAVE_NCCL=1 USE_C10D_NCCL)
  endif()
endfunction()
