# ctest's cli_test: runs the `kobie` command line (cmake -P; see
# tests/CMakeLists.txt) with summary metrics and checks the summary CSV's
# header and row count, then checks that bad input exits with status 2 and a
# message naming the setting and what is allowed.
foreach(var KOBIE WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli_test.cmake: ${var} is not set")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(csv "${WORK_DIR}/summaries.csv")
file(REMOVE "${csv}")

# 4 systems x 2 windows x (x, y) x (mean + 2 peak times) = 48 rows.
execute_process(
  COMMAND "${KOBIE}" --system van-der-pol --sweep mu=0.5:2:4 --duration 2 --save-every 0.1
          --summaries mean,peaks --peaks 2 --summary-window 1 --summary-output "${csv}" --quiet
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cli test: kobie exited ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "summaries: 2 windows x 6 columns")
  message(FATAL_ERROR "cli test: the report lacks the summary line:\n${out}")
endif()
file(STRINGS "${csv}" rows)
list(LENGTH rows n)
list(GET rows 0 header)
if(NOT header STREQUAL "system,status,mu,window_start,variable,metric,value" OR NOT n EQUAL 49)
  message(FATAL_ERROR "cli test: ${csv} has header '${header}' and ${n} lines; expected 49")
endif()
list(GET rows 1 first)
if(NOT first MATCHES "^0,0,0.5,0,x,mean,")
  message(FATAL_ERROR "cli test: unexpected first row '${first}'")
endif()

execute_process(COMMAND "${KOBIE}" --summaries median --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "setting 'summary_metrics' has value 'median'; allowed: 'mean'")
  message(FATAL_ERROR "cli test: bad metric gave exit ${rc}:\n${err}")
endif()
message(STATUS "cli test: ok")
