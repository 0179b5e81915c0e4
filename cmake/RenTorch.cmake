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

# ren_torch_pch(<target>): compiles <torch/torch.h> once (in the object library ren_torch_pch) and
# reuses that precompiled header in <target>. Every target that includes LibTorch headers uses it,
# which keeps CI builds fast.
function(ren_torch_pch target)
  if(NOT TARGET ren_torch_pch)
    file(WRITE ${CMAKE_BINARY_DIR}/ren_torch_pch.cpp "// precompiled <torch/torch.h>\n")
    add_library(ren_torch_pch OBJECT ${CMAKE_BINARY_DIR}/ren_torch_pch.cpp)
    target_link_libraries(ren_torch_pch PRIVATE torch)
    target_precompile_headers(ren_torch_pch PRIVATE <torch/torch.h>)
    # GCC rejects a precompiled header made under other feature macros: -Wpedantic (used by every
    # module) removes __cpp_runtime_arrays, so the header and its users all build with it.
    target_compile_options(ren_torch_pch PRIVATE -Wpedantic)
  endif()
  target_compile_options(${target} PRIVATE -Wpedantic)
  # The header is compiled -fPIC (a library); executables would use -fPIE, which GCC refuses to mix.
  # PIC objects link into position-independent executables just as well.
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM ren_torch_pch)
endfunction()
