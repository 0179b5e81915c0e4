# ren_add_module(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Declares the module library ren_<name> (alias ren::<name>) with the public headers in
# include/ren/<name>/. A module links only what it needs.
function(ren_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ren_${name} STATIC ${ARG_SOURCES})
  add_library(ren::${name} ALIAS ren_${name})
  target_include_directories(ren_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(ren_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  target_compile_options(ren_${name} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()
