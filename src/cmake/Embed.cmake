# pttgw_embed_text(<output.c> <symbol> <input file>)
# Writes a C file defining `const char <symbol>[]` with the file's text, so a
# document the code depends on (introspection XML, the example config) is the
# one the program uses.
function(pttgw_embed_text out symbol input)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${out} -DSYM=${symbol}
            -P ${PROJECT_SOURCE_DIR}/src/cmake/EmbedRun.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/src/cmake/EmbedRun.cmake
    VERBATIM)
endfunction()
