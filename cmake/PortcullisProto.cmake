# portcullis_proto_library(<target>
#   ROOT <dir>          import root of the .proto files
#   PROTOS <files...>   paths relative to ROOT
#   GRPC <files...>     the subset that defines services)
#
# Generates C++ (and gRPC) code into the build tree and builds it as a
# static library whose include path exposes the generated headers.
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

function(portcullis_proto_library target)
  cmake_parse_arguments(P "" "ROOT" "PROTOS;GRPC" ${ARGN})
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${gen_dir})
  set(sources)
  foreach(proto ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${gen_dir}/${stem}.pb.cc ${gen_dir}/${stem}.pb.h)
    set(plugin_args)
    if(proto IN_LIST P_GRPC)
      list(APPEND outputs ${gen_dir}/${stem}.grpc.pb.cc
                          ${gen_dir}/${stem}.grpc.pb.h)
      set(plugin_args --grpc_out=${gen_dir}
                      --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN})
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc --proto_path=${P_ROOT} --cpp_out=${gen_dir}
              ${plugin_args} ${P_ROOT}/${proto}
      DEPENDS ${P_ROOT}/${proto}
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources ${outputs})
  endforeach()
  add_library(${target} ${sources})
  # Generated code does not follow our warning rules.
  target_compile_options(${target} PRIVATE -w)
  target_include_directories(${target} SYSTEM PUBLIC ${gen_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++)
endfunction()
