# Keeps the arrows between modules one-way (README.md, "Layout"): reads
# every C++ source of each module folder under ROOT and fails, naming the
# file and the include, when a module includes a module above it, when a
# module includes another module's internal/ headers (gate/internal/ is
# the gate's own: only gate/, tests/ and bench/ see it), or when anything
# but the gRPC edge (server/) includes gRPC headers. The CLI may
# include gRPC's client headers (it calls a running gate), never the
# server's.
#
#   cmake -DROOT=<source dir> -P cmake/CheckModuleArrows.cmake
#
# A test (tests/CMakeLists.txt, "module_arrows") runs it.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<the source directory>")
endif()

# Every folder that is a C++ module, top floor first.
set(modules cli daemon server connectors identity config codec
            http gate shared_state secrets ledger policy crypto metrics base)
# What the floors above the core may include. The core (gate/ and below)
# may include none of the modules above it.
set(upper cli daemon server connectors identity config codec)
set(allowed_cli base codec config crypto gate identity ledger policy)
set(allowed_daemon base codec config connectors crypto gate http identity
                   ledger metrics policy secrets server shared_state)
set(allowed_server base codec config gate http identity ledger metrics
                   policy secrets)
set(allowed_connectors base codec config crypto gate policy secrets)
set(allowed_identity base crypto)
set(allowed_config base policy)
set(allowed_codec base gate ledger policy)

set(problems "")
foreach(module IN LISTS modules)
  if(NOT IS_DIRECTORY ${ROOT}/${module})
    continue()
  endif()
  file(GLOB_RECURSE sources RELATIVE ${ROOT}
       ${ROOT}/${module}/*.h ${ROOT}/${module}/*.cc)
  foreach(source IN LISTS sources)
    file(STRINGS ${ROOT}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*$"
                           "\\1" header "${line}")
      # gRPC headers, or generated services (which include them).
      if(header MATCHES "^grpc(pp)?/" OR header MATCHES "\\.grpc\\.pb\\.h$")
        if(module STREQUAL "server")
        elseif(module STREQUAL "cli" AND NOT header MATCHES "^grpcpp/server")
        else()
          list(APPEND problems "${source}: ${header} (only server/ includes gRPC)")
        endif()
        continue()
      endif()
      if(NOT header MATCHES "^([a-z_]+)/")
        continue()
      endif()
      set(target ${CMAKE_MATCH_1})
      if(target STREQUAL module OR NOT target IN_LIST modules)
        continue()
      endif()
      # A module's internal/ is behind its public face: no other module
      # includes it (tests/ and bench/ are not scanned, and may).
      if(header MATCHES "^${target}/internal/")
        list(APPEND problems "${source}: ${header} (${target}/internal/ is behind ${target}/'s public face)")
        continue()
      endif()
      if(module IN_LIST upper)
        if(NOT target IN_LIST allowed_${module})
          list(APPEND problems "${source}: ${header} (${module}/ may include only: ${allowed_${module}})")
        endif()
      elseif(target IN_LIST upper)
        list(APPEND problems "${source}: ${header} (the core does not include ${target}/)")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "includes against the arrows between modules:\n  ${text}")
endif()
message(STATUS "module arrows: one-way")
