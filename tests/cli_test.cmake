# ctest's cli_test: runs the `kobie` command line (cmake -P; see
# tests/CMakeLists.txt): with no arguments (the report's every part), with
# --help, with a swept time series written to CSV (header, rows, exact save
# times), with summary metrics (the summary CSV's header and row count), and
# with bad input (exit status 2, a message naming the setting and what is
# allowed), with backward Euler on Robertson (its solver counts in the
# report); and a per-system program (KOBIE_DECAY, `kobie-decay`) that runs
# its system and refuses the others.
foreach(var KOBIE KOBIE_DECAY WORK_DIR)
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

# No arguments: the default job (a rho sweep of Lorenz) and the whole report.
execute_process(COMMAND "${KOBIE}" WORKING_DIRECTORY "${WORK_DIR}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cli test: kobie without arguments exited ${rc}:\n${out}${err}")
endif()
foreach(part "kobie: lorenz, 4096 systems, dormand-prince-54" "steps: [0-9]+ accepted"
        "[0-9]+ rejected" "right-hand-side evaluations" "failures: 0 of 4096 systems failed" "wall time: "
        "system-steps/s" "launch: [0-9]+ lanes per team" "buffer layout \\(per system\\)")
  if(NOT out MATCHES "${part}")
    message(FATAL_ERROR "cli test: the default report lacks '${part}':\n${out}")
  endif()
endforeach()

# --help names every option it documents, exits 0 and runs nothing.
execute_process(COMMAND "${KOBIE}" --help RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
foreach(option --system --batch --sweep --set --algorithm --controller --duration --save-every
        --output --summary-output --summaries --precision --quiet)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${option}")
    message(FATAL_ERROR "cli test: --help (exit ${rc}) does not explain ${option}:\n${out}${err}")
  endif()
endforeach()

# A swept time series: one row per system and save, system slowest, the
# last save exactly at t_end.
set(series "${WORK_DIR}/series.csv")
file(REMOVE "${series}")
execute_process(
  COMMAND "${KOBIE}" --system lorenz --sweep rho=10:28:3 --duration 0.5 --save-every 0.25
          --algorithm rk4 --controller fixed --dt 0.01 --output "${series}" --quiet
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cli test: the time series run exited ${rc}:\n${out}${err}")
endif()
file(STRINGS "${series}" rows)
list(LENGTH rows n)
list(GET rows 0 header)
if(NOT header STREQUAL "system,status,rho,t,x,y,z" OR NOT n EQUAL 10)
  message(FATAL_ERROR "cli test: ${series} has header '${header}' and ${n} lines; expected 10")
endif()
list(GET rows 1 first)
list(GET rows 9 last)
if(NOT first MATCHES "^0,0,10,0,1,0,0$" OR NOT last MATCHES "^2,0,28,0.5,")
  message(FATAL_ERROR "cli test: unexpected rows '${first}' ... '${last}'")
endif()

execute_process(COMMAND "${KOBIE}" --summaries median --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "setting 'summary_metrics' has value 'median'; allowed: 'mean'")
  message(FATAL_ERROR "cli test: bad metric gave exit ${rc}:\n${err}")
endif()
# Integers too large for their setting are refused with the value as given
# (they were once wrapped: 99999999999 echoed as 1215752191), and a state
# named twice is refused (it once wrote past the saved-state list).
foreach(case "--lanes-per-team;99999999999;--lanes-per-team: '99999999999' is not an integer in \\[0, 2147483647\\]"
             "--saves-per-launch;3000000000;--saves-per-launch: '3000000000' is not an integer in \\[0, 2147483647\\]"
             "--peaks;5000000000;--peaks: '5000000000' is not an integer in \\[0, 2147483647\\]"
             "--max-steps;1e30;--max-steps: '1e30' is not an integer in \\[0, 9223372036854775807\\]"
             "--batch;2.5;--batch: '2.5' is not an integer"
             "--save-states;x,y,x;setting 'saved_states' has value 'x' \\(named twice\\)")
  list(GET case 0 option)
  list(GET case 1 value)
  list(GET case 2 expected)
  execute_process(COMMAND "${KOBIE}" ${option} ${value} --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}")
    message(FATAL_ERROR "cli test: ${option} ${value}: expected exit 2 and '${expected}'; "
                        "got exit ${rc}:\n${out}${err}")
  endif()
endforeach()
# An output path that cannot be written is refused before anything is
# integrated (it once failed only after the whole run).
foreach(case "--output;/nonexistent-kobie/x.csv;--output: cannot write '/nonexistent-kobie/x.csv': the folder '/nonexistent-kobie' does not exist"
             "--summary-output;${WORK_DIR};--summary-output: cannot write '.*': it is a folder")
  list(GET case 0 option)
  list(GET case 1 value)
  list(GET case 2 expected)
  execute_process(COMMAND "${KOBIE}" --summaries mean ${option} ${value}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${expected}" OR out MATCHES "wall time")
    message(FATAL_ERROR "cli test: ${option} ${value}: expected exit 2 and '${expected}' "
                        "before any integration; got exit ${rc}:\n${out}${err}")
  endif()
endforeach()
# Backward Euler, where this build compiles it in (every method unless
# KOBIE_CLI_ALGORITHMS says otherwise, as scripts/run.sh builds it).
execute_process(COMMAND "${KOBIE}" --help OUTPUT_VARIABLE help)
if(help MATCHES "one of:[^\n]* backward-euler")
  execute_process(
    COMMAND "${KOBIE}" --system robertson --algorithm backward-euler --batch 4 --duration 1e5
            --save-every 1e4 --rtol 1e-4 --atol 1e-8 --quiet
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "implicit solvers: [1-9][0-9]* Jacobians, [1-9][0-9]* Newton"
     OR NOT out MATCHES "failures: 0 of 4")
    message(FATAL_ERROR "cli test: backward Euler on Robertson exited ${rc}:\n${out}${err}")
  endif()
else()
  # (CI's command line compiles two methods): a known method it lacks is
  # refused as such, naming the ones it has.
  execute_process(COMMAND "${KOBIE}" --system robertson --algorithm backward-euler --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "'backward-euler', which this program does not compile in; compiled: ")
    message(FATAL_ERROR "cli test: --algorithm backward-euler in a build without it: expected "
                        "exit 2 naming the compiled methods; got exit ${rc}:\n${out}${err}")
  endif()
endif()

# kobie-decay holds the decay system's kernels only: it runs decay, and
# refuses another built-in system with exit 2, naming how to build it.
execute_process(COMMAND "${KOBIE_DECAY}" --system decay --batch 8 --duration 1 --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "failures: 0 of 8")
  message(FATAL_ERROR "cli test: kobie-decay --system decay exited ${rc}:\n${out}${err}")
endif()
execute_process(COMMAND "${KOBIE_DECAY}" --system lorenz --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--system: 'lorenz' is a built-in system that this program was built without.*scripts/run.sh --system lorenz"
   OR out MATCHES "wall time")
  message(FATAL_ERROR "cli test: kobie-decay --system lorenz: expected exit 2 and a refusal "
                      "naming scripts/run.sh; got exit ${rc}:\n${out}${err}")
endif()
# Without --system it runs the one system it holds.
execute_process(COMMAND "${KOBIE_DECAY}" --batch 4 --duration 1 --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "kobie: decay, 4 systems")
  message(FATAL_ERROR "cli test: kobie-decay without --system exited ${rc}:\n${out}${err}")
endif()

# Memory is planned before it is taken: a batch whose batch, results and
# working storage cannot fit the host's memory is refused at once with exit
# 2, naming the setting and the bytes (it ended in std::bad_alloc, or ran
# for minutes and then failed to allocate its results, with exit 1).
foreach(args "--batch;1e12" "--batch;100000000;--duration;1;--save-every;0.001")
  execute_process(COMMAND "${KOBIE_DECAY}" ${args} --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "'host_memory_limit' has value [0-9]+ .* systems need .* of host memory: outputs"
     OR NOT err MATCHES "allowed: " OR out MATCHES "wall time")
    message(FATAL_ERROR "cli test: kobie-decay ${args}: expected exit 2 and the memory plan's "
                        "refusal; got exit ${rc}:\n${out}${err}")
  endif()
endforeach()

# No half-written files: an output is written under a temporary name and
# renamed when complete. A run that dies while writing (the test hook
# KOBIE_CLI_DIE_AFTER_ROWS, as a kill would) leaves the older file of that
# name whole, and its own rows only in a ".partial-<pid>" file.
set(out_csv "${WORK_DIR}/whole.csv")
file(REMOVE "${out_csv}")
file(GLOB stale "${WORK_DIR}/whole.csv.partial-*")
if(stale)
  file(REMOVE ${stale})
endif()
execute_process(COMMAND "${KOBIE_DECAY}" --batch 50 --duration 1 --output "${out_csv}" --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(STRINGS "${out_csv}" rows)
list(LENGTH rows whole_rows)
if(NOT rc EQUAL 0 OR NOT whole_rows EQUAL 551)  # header + 50 systems x 11 saves
  message(FATAL_ERROR "cli test: kobie-decay --output exited ${rc} with ${whole_rows} lines:\n${out}${err}")
endif()
file(SHA256 "${out_csv}" before)
execute_process(COMMAND "${CMAKE_COMMAND}" -E env KOBIE_CLI_DIE_AFTER_ROWS=100
                        "${KOBIE_DECAY}" --batch 60 --duration 1 --output "${out_csv}" --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(SHA256 "${out_csv}" after)
file(GLOB partial "${WORK_DIR}/whole.csv.partial-*")
list(LENGTH partial n_partial)
if(rc EQUAL 0 OR NOT before STREQUAL after OR NOT n_partial EQUAL 1)
  message(FATAL_ERROR "cli test: a run that died while writing (exit ${rc}) changed "
                      "${out_csv} (${before} -> ${after}) or left ${n_partial} partial files")
endif()
file(STRINGS "${partial}" rows)
list(LENGTH rows partial_rows)
if(NOT partial_rows EQUAL 101)  # its header and the 100 rows written before it died
  message(FATAL_ERROR "cli test: the partial file has ${partial_rows} lines; expected 101")
endif()
file(REMOVE ${partial})
message(STATUS "cli test: ok")
