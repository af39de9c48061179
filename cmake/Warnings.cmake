# Warnings for every target of ours: call ds_warnings(<target>).
function(ds_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wno-missing-field-initializers)
  if(DS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# ds_module(<name> SOURCES ... DEPS ...) defines library ds_<name> rooted at src/.
function(ds_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ds_${name} STATIC ${M_SOURCES})
  target_include_directories(ds_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(ds_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  ds_warnings(ds_${name})
endfunction()
