# -Wall -Wextra -Werror everywhere we own the code (STYLE.md house habit 7).
function(sandbox_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()
