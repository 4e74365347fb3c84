L=a b c
X=${L:M*:S/a/b/g:C/(b)/\1x/:[1..2]:O:u:ts-:tu:R:E:H:T:Q}
.for v in ${L}
Y_${v}=${v:U${X}}
.endfor
.if defined(X) && (empty(Y) || ${L:[#]} > 2) && !make(x)
Z=${Z_${X}}
.elif exists(foo)
.else
.endif
all: b
	@-+echo ${X} $$y
