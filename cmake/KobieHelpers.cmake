# Helpers for KoBIE's own targets (tests, benchmarks, programs). Nothing here
# touches the exported kobie::kobie target's interface.

# The kokkos backends this Kokkos was built with, as KoBIE's test harness
# names them (lower case) and as Kokkos' execution spaces are spelled.
set(KOBIE_BACKENDS "")
foreach(_backend IN ITEMS Serial OpenMP Cuda)
  string(TOUPPER "${_backend}" _upper)
  if(Kokkos_ENABLE_${_upper} OR "${_upper}" IN_LIST Kokkos_DEVICES)
    list(APPEND KOBIE_BACKENDS ${_backend})
  endif()
endforeach()
set(KOBIE_CUDA OFF)
if("Cuda" IN_LIST KOBIE_BACKENDS)
  set(KOBIE_CUDA ON)
endif()

# The host's full instruction set for KoBIE's own executables: the SIMD-across-
# systems host kernels run about five times faster with it here. Off by default
# in CUDA builds, whose host code may run on another machine's CPU.
if(KOBIE_CUDA)
  set(_native_default OFF)
else()
  set(_native_default ${KOBIE_TOP_LEVEL})
endif()
option(KOBIE_NATIVE_ARCH "Compile KoBIE's own executables with -march=native" ${_native_default})

# kobie_target_defaults(target [ARCH flag...]): warnings (errors under
# KOBIE_ENABLE_WERROR) and, for executables, -march=native under
# KOBIE_NATIVE_ARCH, or the given ARCH flags instead (a build for another
# instruction set than the host's: the driver expands -march=native into
# explicit -m flags that a later -march would not undo).
function(kobie_target_defaults target)
  cmake_parse_arguments(PARSE_ARGV 1 _defaults "" "" "ARCH")
  if(KOBIE_ENABLE_WERROR)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra)
  endif()
  # GCC 12 reports false -Wrestrict positives inside std::string's operator+
  # in C++20 mode (GCC bug 105329); keep them from failing -Werror builds.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-error=restrict)
  endif()
  if(_defaults_ARCH)
    target_compile_options(${target} PRIVATE ${_defaults_ARCH})
  elseif(KOBIE_NATIVE_ARCH)
    get_target_property(_type ${target} TYPE)
    if(_type STREQUAL "EXECUTABLE")
      target_compile_options(${target} PRIVATE -march=native)
    endif()
  endif()
endfunction()
