# kobie_add_cli(<target> HEADER <system header> SYSTEM <system type>)
#
# Builds a kobie-style command-line program for a user's ODE system: the same
# options, report and CSV output as the `kobie` program, for the system type
# declared in the header (see docs/ARCHITECTURE.md "Systems" and
# examples/user_system). The header's folder is on the include path.
function(kobie_add_cli target)
  cmake_parse_arguments(ARG "" "HEADER;SYSTEM" "" ${ARGN})
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
  add_executable(${target} "${main}" "${KOBIE_CLI_DIR}/cli_options.cpp")
  target_include_directories(${target} PRIVATE "${KOBIE_CLI_DIR}")
  target_link_libraries(${target} PRIVATE kobie::kobie)
endfunction()
