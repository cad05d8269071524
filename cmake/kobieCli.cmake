# kobie_add_cli(<target> HEADER <system header> SYSTEM <system type>
#               [ALGORITHMS <name>...])
#
# Builds a kobie-style command-line program for a user's ODE system: the same
# options, report and CSV output as the `kobie` program, for the system type
# declared in the header (see docs/ARCHITECTURE.md "Systems" and
# examples/user_system). The header's folder is on the include path.
# ALGORITHMS: the methods compiled in, by their --algorithm names (default
# all eleven); each costs the program one kernel per precision, so naming
# the few a study uses cuts its compile time about in proportion. Asking the
# program for another is a run-time error that lists the compiled ones.
function(kobie_add_cli target)
  cmake_parse_arguments(ARG "" "HEADER;SYSTEM" "ALGORITHMS" ${ARGN})
  if(NOT ARG_HEADER OR NOT ARG_SYSTEM)
    message(FATAL_ERROR "kobie_add_cli(${target}): HEADER and SYSTEM are required")
  endif()
  get_filename_component(header "${ARG_HEADER}" ABSOLUTE)
  if(NOT EXISTS "${header}")
    message(FATAL_ERROR "kobie_add_cli(${target}): HEADER '${ARG_HEADER}' does not exist")
  endif()
  set(KOBIE_CLI_HEADER "${header}")
  set(KOBIE_CLI_SYSTEM "${ARG_SYSTEM}")
  set(main "${CMAKE_CURRENT_BINARY_DIR}/${target}_kobie_main.cpp")
  configure_file("${KOBIE_CLI_DIR}/user_main.cpp.in" "${main}" @ONLY)
  add_executable(${target} "${main}" "${KOBIE_CLI_DIR}/cli_options.cpp"
                           "${KOBIE_CLI_DIR}/cli_main.cpp")
  target_include_directories(${target} PRIVATE "${KOBIE_CLI_DIR}")
  target_link_libraries(${target} PRIVATE kobie::kobie)
  kobie_cli_algorithms(${target} "${ARG_ALGORITHMS}")
endfunction()

# The methods a kobie-style command line compiles in (a list of --algorithm
# names; empty: all), as the KOBIE_CLI_ALGORITHMS definition its sources read
# (apps/kobie/cli.hpp). A name KoBIE does not know fails the compile.
function(kobie_cli_algorithms target names)
  string(REPLACE ";" "," joined "${names}")
  if(joined MATCHES "[^a-z0-9,-]")
    message(FATAL_ERROR "${target}: algorithm list '${names}' holds a character that no algorithm "
                        "name has; allowed: --algorithm names such as rk4 or dormand-prince-54")
  endif()
  target_compile_definitions(${target} PRIVATE "KOBIE_CLI_ALGORITHMS=\"${joined}\"")
endfunction()
