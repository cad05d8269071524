# ctest's install_test: install the KoBIE build into a scratch prefix, then
# configure, build and (on host backends) run a separate consumer project that
# finds it with find_package(kobie). With KOBIE_SOURCE_DIR set
# (subdirectory_test) the consumer takes KoBIE's sources by add_subdirectory. Run with cmake -P; see tests/CMakeLists.txt.
foreach(var KOBIE_BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR Kokkos_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake: ${var} is not set")
  endif()
endforeach()

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${step} failed (${rc}):\n${out}")
  endif()
  message(STATUS "install test: ${step}: ok")
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
if(KOBIE_SOURCE_DIR)
  set(how "-DKOBIE_SOURCE_DIR=${KOBIE_SOURCE_DIR}")
else()
  set(prefix "${WORK_DIR}/prefix")
  run("install" ${CMAKE_COMMAND} --install "${KOBIE_BUILD_DIR}" --prefix "${prefix}")
  set(how "-Dkobie_ROOT=${prefix}")
endif()
run("configure consumer" ${CMAKE_COMMAND} -S "${CONSUMER_SOURCE_DIR}" -B "${WORK_DIR}/build"
    -G "${GENERATOR}" -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "${how}" "-DKokkos_DIR=${Kokkos_DIR}")
run("build consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
if(RUN_CONSUMER)
  run("run the application" "${WORK_DIR}/build/pendulum_app")
  message(STATUS "${last_output}")
  if(NOT last_output MATCHES "consumer: ok")
    message(FATAL_ERROR "install test: the application did not report success:\n${last_output}")
  endif()
  run("run the command line" "${WORK_DIR}/build/pendulum" --batch 8 --duration 2 --save-every 1
      --sweep damping=0:0.5 --quiet)
  message(STATUS "${last_output}")
  if(NOT last_output MATCHES "0 of 8 systems failed")
    message(FATAL_ERROR "install test: the command line did not run:\n${last_output}")
  endif()
  run("run the command line with the other compiled method" "${WORK_DIR}/build/pendulum"
      --batch 8 --duration 2 --save-every 1 --algorithm rk4 --controller fixed --dt 0.01 --quiet)
  if(NOT last_output MATCHES "0 of 8 systems failed")
    message(FATAL_ERROR "install test: the command line's rk4 did not run:\n${last_output}")
  endif()
  # A method the example does not compile in (kobie_add_cli ALGORITHMS): a
  # clear error naming the compiled ones, exit status 2.
  execute_process(COMMAND "${WORK_DIR}/build/pendulum" --batch 8 --algorithm tsitouras-54 --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 2 OR NOT out MATCHES "'tsitouras-54'.*compiled: 'rk4', 'dormand-prince-54'")
    message(FATAL_ERROR "install test: a method not compiled in gave status ${rc}:\n${out}")
  endif()
  message(STATUS "install test: a method not compiled in is refused: ok")
  run("the command line's help" "${WORK_DIR}/build/pendulum" --help)
  if(NOT last_output MATCHES "one of: rk4 dormand-prince-54\n[ ]*\\(those this build compiles in; KoBIE has: euler ")
    message(FATAL_ERROR "install test: --help does not list the compiled methods:\n${last_output}")
  endif()
endif()
