// Go's text/template as Docker uses it: a table of templates, data and the
// output (or error) Go's text/template and docker/cli's functions give,
// written from Go's exec_test.go, parse_test.go, the text/template and fmt
// docs, and docker/cli's templates tests.
import Glibc
import Testing
@testable import HiveCLI
import HivePlatform

/// What a case expects: the output, or an error containing the text.
enum Want: Sendable {
    case out(String)
    case error(String)
}

let templateData = """
    {"ID":"abc123","Int":17,"Zero":0,"Neg":-3,"Float":1.5,"Big":1234567.5,"True":true,"False":false,
     "Str":"hello","Empty":"","Nil":null,
     "SI":[3,4,5],"SS":["a","b","c"],"SEmpty":[],"SMixed":["x",1,true,null],
     "MSI":{"one":1,"two":2,"three":3},"MSS":{"k":"v","a":"b"},"MEmpty":{},
     "Nested":{"X":{"Y":"z"}},"Labels":{"com.x":"1","env":"prod"},
     "Mounts":[{"Name":"data","RW":true},{"Name":"logs","RW":false}],"HTML":"<a&b>"}
    """

/// (template, data as JSON text or "" for templateData, what it gives)
let templateCases: [(String, String, Want)] = [
    // text, fields, printing of values
    ("hello", "", .out("hello")),
    ("{{.Str}}", "", .out("hello")),
    ("{{.Nested.X.Y}}", "", .out("z")),
    ("{{.}}", #""plain""#, .out("plain")),
    ("{{.Int}}", "", .out("17")),
    ("{{.Float}}", "", .out("1.5")),
    ("{{.Big}}", "", .out("1.2345675e+06")),
    ("{{.True}} {{.False}}", "", .out("true false")),
    ("{{.SI}}", "", .out("[3 4 5]")),
    ("{{.MSI}}", "", .out("map[one:1 three:3 two:2]")),
    ("{{.SMixed}}", "", .out("[x 1 true <nil>]")),
    ("{{.Nil}}", "", .out("<no value>")),
    ("{{.Nested.Missing}}", "", .out("<no value>")),
    ("{{.Nested.Missing.Deeper}}", "", .out("<no value>")),
    ("{{.Missing}}", "", .error("can't evaluate field Missing in type map[string]interface {}")),
    ("{{.Str.X}}", "", .error("can't evaluate field X in type string")),
    ("{{.Nil.X}}", "", .error("nil pointer evaluating interface {}.X")),
    ("{{.Labels.env}}", "", .out("prod")),
    ("{{$.Str}}", "", .out("hello")),
    ("{{$.Nested.X.Y}}", "", .out("z")),
    ("{{.X}}", "[1]", .error("can't evaluate field X in type []interface {}")),
    // trimming and comments
    ("a  {{- .Str -}}  b", "", .out("ahellob")),
    ("a\n\t{{- .Str}}", "", .out("ahello")),
    ("{{.Str -}}\n  x", "", .out("hellox")),
    ("{{- .Str}}", "", .out("hello")),
    ("a {{/* comment */}} b", "", .out("a  b")),
    ("a {{- /* comment */ -}} b", "", .out("ab")),
    ("{{/* multi\nline */}}x", "", .out("x")),
    ("{{-3}}", "", .out("-3")),
    ("{{ .Str }}", "", .out("hello")),
    ("{{\n.Str\n}}", "", .out("hello")),
    ("{{.Str}}{{- \"\" -}}  \n  {{.Int}}", "", .out("hello17")),
    // literals
    ("{{\"a\\tb\"}}", "", .out("a\tb")),
    ("{{`raw\\n`}}", "", .out("raw\\n")),
    ("{{'a'}}", "", .out("97")),
    ("{{0x1F}}", "", .out("31")),
    ("{{1.0}}", "", .out("1")),
    ("{{1e3}}", "", .out("1000")),
    ("{{017}}", "", .out("15")),
    ("{{0b101}}", "", .out("5")),
    ("{{1_000}}", "", .out("1000")),
    ("{{true}}", "", .out("true")),
    ("{{\"\\u00e9\"}}", "", .out("é")),
    ("{{\"\\x41\"}}", "", .out("A")),
    ("{{'\\n'}}", "", .out("10")),
    ("{{nil}}", "", .error("nil is not a command")),
    ("{{printf \"%T\" 0xef}}", "", .out("int")),
    ("{{printf \"%T\" 1.5}}", "", .out("float64")),
    ("{{99999999999999999999}}", "", .error("integer overflow")),
    ("{{18446744073709551615}}", "", .error("18446744073709551615 overflows int")),
    ("{{\"\\q\"}}", "", .error("invalid syntax")),
    // variables
    ("{{$x := .Str}}{{$x}}", "", .out("hello")),
    ("{{$x := 1}}{{$x = 2}}{{$x}}", "", .out("2")),
    ("{{with $x := .Str}}{{$x}}-{{.}}{{end}}", "", .out("hello-hello")),
    ("{{if $x := .Int}}{{$x}}{{end}}", "", .out("17")),
    ("{{$x := \"out\"}}{{if true}}{{$x := \"in\"}}{{$x}}{{end}}{{$x}}", "", .out("inout")),
    ("{{$x := \"out\"}}{{if true}}{{$x = \"in\"}}{{end}}{{$x}}", "", .out("in")),
    ("{{range $i, $e := .SS}}{{$i}}={{$e}} {{end}}", "", .out("0=a 1=b 2=c ")),
    ("{{range $k, $v := .MSI}}{{$k}}:{{$v}},{{end}}", "", .out("one:1,three:3,two:2,")),
    ("{{range $v := .SI}}{{$v}}{{end}}", "", .out("345")),
    ("{{range .SS}}{{$.Str}}{{end}}", "", .out("hellohellohello")),
    ("{{$}}", #""x""#, .out("x")),
    ("{{$nope}}", "", .error(#"template: :1: undefined variable "$nope""#)),
    ("{{if true}}{{$x := 1}}{{end}}{{$x}}", "", .error(#"undefined variable "$x""#)),
    ("{{$x := 1}}{{$x 2}}", "", .error("can't give argument to non-function $x")),
    ("{{$a,$b,$c := 23}}", "", .error("too many declarations in command")),
    ("{{range $k, 123 := .}}{{end}}", "", .error("range can only initialize variables")),
    ("{{range $k,}}{{end}}", "", .error("missing value for range")),
    ("{{$x := .SS}}{{range $x}}{{.}}{{end}}", "", .out("abc")),
    ("{{range $i, $e := .SI}}{{end}}{{$i}}", "", .error(#"undefined variable "$i""#)),
    ("{{with $x := 0}}a{{else}}{{$x}}{{end}}", "", .out("0")),
    ("{{$x := 0}}{{range $x = .SI}}{{end}}{{$x}}", "", .out("5")),
    ("{{$x := 1}}{{with $x.y := 3}}{{end}}", "", .error(#"unexpected ":=" in operand"#)),
    // if, else if, else
    ("{{if .True}}yes{{else}}no{{end}}", "", .out("yes")),
    ("{{if .False}}yes{{else}}no{{end}}", "", .out("no")),
    ("{{if .Empty}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .SEmpty}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .MEmpty}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .Zero}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .Nil}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .Nested.Missing}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if 0.0}}y{{else}}n{{end}}", "", .out("n")),
    ("{{if .Float}}y{{else}}n{{end}}", "", .out("y")),
    ("{{if false}}a{{else if true}}b{{else}}c{{end}}", "", .out("b")),
    ("{{if eq .Int 1}}1{{else if eq .Int 2}}2{{else if eq .Int 17}}17{{end}}", "", .out("17")),
    ("{{if false}}a{{else if false}}b{{else}}c{{end}}", "", .out("c")),
    ("{{if .True}}x", "", .error("template: :1: unexpected EOF")),
    ("{{end}}", "", .error("unexpected {{end}}")),
    ("{{else}}", "", .error("unexpected {{else}}")),
    ("{{if true}}a{{else}}b{{else}}c{{end}}", "", .error("expected end; found {{else}}")),
    ("{{if}}{{end}}", "", .error("missing value for if")),
    // with
    ("{{with .Nested.X}}{{.Y}}{{end}}", "", .out("z")),
    ("{{with .Empty}}x{{else}}empty{{end}}", "", .out("empty")),
    ("{{with .Nested.Q}}x{{else}}none{{end}}", "", .out("none")),
    ("{{with .False}}x{{else with .Str}}{{.}}{{end}}", "", .out("hello")),
    ("{{with .SI}}{{len .}}{{end}}", "", .out("3")),
    ("{{with $}}{{.Str}}{{end}}", "", .out("hello")),
    // range, break, continue
    ("{{range .SI}}-{{.}}-{{end}}", "", .out("-3--4--5-")),
    ("{{range .SEmpty}}x{{else}}empty{{end}}", "", .out("empty")),
    ("{{range .MSI}}{{.}}{{end}}", "", .out("132")),
    ("{{range .MEmpty}}x{{else}}none{{end}}", "", .out("none")),
    ("{{range .Nil}}x{{else}}nil{{end}}", "", .out("nil")),
    ("{{range 3}}{{.}}{{end}}", "", .out("012")),
    ("{{range $i := 3}}{{$i}}{{end}}", "", .out("012")),
    ("{{range 0}}x{{else}}zero{{end}}", "", .out("zero")),
    ("{{range $i, $e := 3}}{{end}}", "", .error("can't use 3 to iterate over more than one variable")),
    ("{{range .Str}}{{end}}", "", .error("range can't iterate over hello")),
    ("{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", "", .out("3")),
    ("{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}", "", .out("35")),
    ("{{break}}", "", .error("{{break}} outside {{range}}")),
    ("{{range .SI}}{{else}}{{continue}}{{end}}", "", .error("{{continue}} outside {{range}}")),
    ("{{range .Mounts}}{{.Name}}:{{.RW}} {{end}}", "", .out("data:true logs:false ")),
    ("{{range .SI}}{{range $.SS}}{{.}}{{end}}{{end}}", "", .out("abcabcabc")),
    ("{{range .SI}}{{break}}{{else}}e{{end}}", "", .out("")),
    ("{{range $i, $e := .SS}}{{if $i}},{{end}}{{$e}}{{end}}", "", .out("a,b,c")),
    ("{{range .SI}}{{.}}", "", .error("unexpected EOF")),
    // and, or, not
    ("{{and 1 0}}", "", .out("0")),
    ("{{and 1 \"x\"}}", "", .out("x")),
    ("{{or 0 \"\"}}", "", .out("")),
    ("{{or 0 \"y\"}}", "", .out("y")),
    ("{{or .SEmpty \"none\"}}", "", .out("none")),
    ("{{and .True .Str}}", "", .out("hello")),
    ("{{not .Empty}}", "", .out("true")),
    ("{{not 1}}", "", .out("false")),
    ("{{and}}", "", .error("wrong number of args for and: want at least 1 got 0")),
    ("{{not 1 2}}", "", .error("wrong number of args for not: want 1 got 2")),
    ("{{and false (index .SI 10)}}", "", .out("false")),
    ("{{or true (index .SI 10)}}", "", .out("true")),
    ("{{.Str | and 1}}", "", .out("hello")),
    // comparisons
    ("{{eq .Int 17}}", "", .out("true")),
    ("{{eq .Str \"a\" \"b\" \"hello\"}}", "", .out("true")),
    ("{{eq .Str \"a\" \"b\"}}", "", .out("false")),
    ("{{ne .Str \"x\"}}", "", .out("true")),
    ("{{lt 1 2}}", "", .out("true")),
    ("{{le 2 2}}", "", .out("true")),
    ("{{gt 1.5 2.5}}", "", .out("false")),
    ("{{ge \"b\" \"a\"}}", "", .out("true")),
    ("{{lt \"a\" \"b\"}}", "", .out("true")),
    ("{{eq .Int \"17\"}}", "", .error("error calling eq: incompatible types for comparison")),
    ("{{lt true false}}", "", .error("invalid type for comparison")),
    ("{{eq 2 2.0}}", "", .error("incompatible types for comparison")),
    ("{{eq .Nested.Missing \"x\"}}", "", .out("false")),
    ("{{eq .Nil .Nested.Missing}}", "", .out("true")),
    ("{{eq .SI .SI}}", "", .error("non-comparable type [3 4 5]: []interface {}")),
    ("{{eq .Int}}", "", .error("missing argument for comparison")),
    ("{{lt .Neg 0}}", "", .out("true")),
    ("{{eq (index .SS 0) \"a\"}}", "", .out("true")),
    ("{{eq (index \"x\" 0) 'x'}}", "", .out("true")),
    // len, index, slice
    ("{{len .SI}}", "", .out("3")),
    ("{{len .MSI}}", "", .out("3")),
    ("{{len .Str}}", "", .out("5")),
    ("{{len \"é\"}}", "", .out("2")),
    ("{{len 3}}", "", .error("error calling len: len of type int")),
    ("{{index .SI 1}}", "", .out("4")),
    ("{{index .MSI \"two\"}}", "", .out("2")),
    ("{{index .MSS \"nope\"}}", "", .out("")),
    ("{{index .MSI \"nope\"}}", "", .out("0")),
    ("{{index .Labels \"com.x\"}}", "", .out("1")),
    ("{{index .Nested \"X\" \"Y\"}}", "", .out("z")),
    ("{{index .Mounts 1 \"Name\"}}", "", .out("logs")),
    ("{{index .SI 5}}", "", .error("error calling index: index out of range: 5")),
    ("{{index .SI -1}}", "", .error("index out of range: -1")),
    ("{{index .SI \"a\"}}", "", .error("cannot index slice/array with type string")),
    ("{{index .MSI 1}}", "", .error("value has type int; should be string")),
    ("{{index .Nil 1}}", "", .error("index of untyped nil")),
    ("{{index .Str 1}}", "", .out("101")),
    ("{{index .SI}}", "", .out("[3 4 5]")),
    ("{{index .Int 0}}", "", .error("can't index item of type int")),
    ("{{slice .SI 1}}", "", .out("[4 5]")),
    ("{{slice .SI 1 2}}", "", .out("[4]")),
    ("{{slice .Str 1 3}}", "", .out("el")),
    ("{{slice .SI 2 1}}", "", .error("invalid slice index: 2 > 1")),
    ("{{slice .Str 0 1 2}}", "", .error("cannot 3-index slice a string")),
    ("{{slice .SI 0 1 2}}", "", .out("[3]")),
    ("{{(index .Mounts 0).Name}}", "", .out("data")),
    ("{{(index .SI 0)}}", "", .out("3")),
    // print, println, printf
    ("{{print \"a\" \"b\"}}", "", .out("ab")),
    ("{{print 1 2}}", "", .out("1 2")),
    ("{{print \"a\" 1 2 \"b\"}}", "", .out("a1 2b")),
    ("{{print .Nil}}", "", .out("<nil>")),
    ("{{print nil}}", "", .out("<nil>")),
    ("{{println \"a\" 1}}", "", .out("a 1\n")),
    ("{{printf \"%s-%d\" .Str .Int}}", "", .out("hello-17")),
    ("{{printf \"%5s|%-5s|\" \"ab\" \"cd\"}}", "", .out("   ab|cd   |")),
    ("{{printf \"%05d\" 42}}", "", .out("00042")),
    ("{{printf \"%+d % d\" 5 5}}", "", .out("+5  5")),
    ("{{printf \"%x %X %o %b\" 255 255 8 5}}", "", .out("ff FF 10 101")),
    ("{{printf \"%#x %#o %O\" 255 8 8}}", "", .out("0xff 010 0o10")),
    ("{{printf \"%04x\" 127}}", "", .out("007f")),
    ("{{printf \"%5.2f\" 3.14159}}", "", .out(" 3.14")),
    ("{{printf \"%e\" 1234.5678}}", "", .out("1.234568e+03")),
    ("{{printf \"%g\" 0.000012}}", "", .out("1.2e-05")),
    ("{{printf \"%g\" 3.5}}", "", .out("3.5")),
    ("{{printf \"%.3g\" 1234.5678}}", "", .out("1.23e+03")),
    ("{{printf \"%v\" .SI}}", "", .out("[3 4 5]")),
    ("{{printf \"%+v\" .MSS}}", "", .out("map[a:b k:v]")),
    ("{{printf \"%q\" \"a\\\"b\"}}", "", .out("\"a\\\"b\"")),
    ("{{printf \"%q\" \"tab\\t\"}}", "", .out("\"tab\\t\"")),
    ("{{printf \"%#q\" \"raw\"}}", "", .out("`raw`")),
    ("{{printf \"%q\" 65}}", "", .out("'A'")),
    ("{{printf \"%t\" true}}", "", .out("true")),
    ("{{printf \"%c\" 65}}", "", .out("A")),
    ("{{printf \"%U\" 0x1F600}}", "", .out("U+1F600")),
    ("{{printf \"%#U\" 65}}", "", .out("U+0041 'A'")),
    ("{{printf \"%%\"}}", "", .out("%")),
    ("{{printf \"%d\" \"x\"}}", "", .out("%!d(string=x)")),
    ("{{printf \"%s\" 5}}", "", .out("%!s(int=5)")),
    ("{{printf \"%t\" 5}}", "", .out("%!t(int=5)")),
    ("{{printf \"%s\"}}", "", .out("%!s(MISSING)")),
    ("{{printf \"a\" 1}}", "", .out("a%!(EXTRA int=1)")),
    ("{{printf \"a\" 1 \"b\"}}", "", .out("a%!(EXTRA int=1, string=b)")),
    ("{{printf \"%*d\" 5 3}}", "", .out("    3")),
    ("{{printf \"%-*d|\" 4 7}}", "", .out("7   |")),
    ("{{printf \"%.*f\" 2 3.14159}}", "", .out("3.14")),
    ("{{printf \"%*d\" \"x\" 3}}", "", .out("%!(BADWIDTH)3")),
    ("{{printf \"%[2]s %[1]s\" \"a\" \"b\"}}", "", .out("b a")),
    ("{{printf \"%[3]d\" 1 2}}", "", .out("%!d(BADINDEX)")),
    ("{{printf \"%.2s\" \"hello\"}}", "", .out("he")),
    ("{{printf \"%x\" \"hi\"}}", "", .out("6869")),
    ("{{printf \"% x\" \"hi\"}}", "", .out("68 69")),
    ("{{printf \"%d\" .SI}}", "", .out("[3 4 5]")),
    ("{{printf \"%s\" .SMixed}}", "", .out("[x %!s(int=1) %!s(bool=true) <nil>]")),
    ("{{printf \"%v\" .Nil}}", "", .out("<nil>")),
    ("{{printf \"%d\" .Nil}}", "", .out("%!d(<nil>)")),
    ("{{printf \"%#v\" .SS}}", "", .out("[]interface {}{\"a\", \"b\", \"c\"}")),
    ("{{printf \"%#v\" \"x\"}}", "", .out("\"x\"")),
    ("{{printf \"%T\" .SS}}", "", .out("[]interface {}")),
    ("{{printf \"%T\" .MSS}}", "", .out("map[string]interface {}")),
    ("{{printf \"%6.2f|%-10.3e|\" 3.14159 1234.56}}", "", .out("  3.14|1.235e+03 |")),
    ("{{printf \"%v %v %v\" 1.0 100000000.0 0.0001}}", "", .out("1 1e+08 0.0001")),
    ("{{printf \"%08.3f\" -3.14159}}", "", .out("-003.142")),
    ("{{printf \"%+.1e\" 12345.0}}", "", .out("+1.2e+04")),
    ("{{printf \"%\"}}", "", .out("%!(NOVERB)")),
    ("{{printf \"%z\" 1}}", "", .out("%!z(int=1)")),
    ("{{printf \"%6.2v|\" 3.14159}}", "", .out("   3.1|")),
    ("{{printf \"%-4d|%4d\" -1 -1}}", "", .out("-1  |  -1")),
    ("{{printf \"%3c|\" 'x'}}", "", .out("  x|")),
    ("{{printf \"%s\" .Nested}}", "", .out("map[X:map[Y:z]]")),
    ("{{printf 1}}", "", .error("expected string; found 1")),
    ("{{\"x\" | printf \"%s-%s\" \"a\"}}", "", .out("a-x")),
    ("{{\"aaa\" | printf}}", "", .out("aaa")),
    ("{{1 | printf}}", "", .error("wrong type for value; expected string; got int")),
    // pipelines and parentheses
    ("{{.Str | upper}}", "", .out("HELLO")),
    ("{{.Str | printf \"%s!\" | upper}}", "", .out("HELLO!")),
    ("{{\"x\" | eq \"x\"}}", "", .out("true")),
    ("{{.Int | eq 17 1}}", "", .out("true")),
    ("{{.Int | eq 1 17}}", "", .out("false")),
    ("{{len (index .SS 0 | printf \"%s%s\" \"zz\")}}", "", .out("3")),
    ("{{(.Str)}}", "", .out("hello")),
    ("{{(.Nested).X.Y}}", "", .out("z")),
    ("{{($).Str}}", "", .out("hello")),
    ("{{.Str | .Int}}", "", .error("Int is not a method but has arguments")),
    ("{{.Str | 12}}", "", .error("non executable command in pipeline stage 2")),
    ("{{( )}}", "", .error("missing value for parenthesized pipeline")),
    ("{{(1 2}}", "", .error("unclosed left paren")),
    ("{{1 2)}}", "", .error("unexpected right paren")),
    ("{{3 2}}", "", .error("can't give argument to non-function 3")),
    ("{{true.X}}", "", .error("unexpected . after term \"true\"")),
    ("{{(nil).X}}", "", .error("nil is not a command")),
    // Docker's functions
    ("{{json .SS}}", "", .out(#"["a","b","c"]"#)),
    ("{{json .HTML}}", "", .out(#""<a&b>""#)),
    ("{{json .MSS}}", "", .out(#"{"a":"b","k":"v"}"#)),
    ("{{json .Nested.Missing}}", "", .out("null")),
    ("{{json .Int}}", "", .out("17")),
    ("{{join .SS \", \"}}", "", .out("a, b, c")),
    ("{{join .SI \",\"}}", "", .error("wrong type for value; expected []string; got []interface {}")),
    ("{{join (split \"a:b:c\" \":\") \"/\"}}", "", .out("a/b/c")),
    ("{{join (split . \":\") \"/\"}}", #""text:with:colon""#, .out("text/with/colon")),
    ("{{split \"a,b\" \",\"}}", "", .out("[a b]")),
    ("{{len (split \"abc\" \"\")}}", "", .out("3")),
    ("{{lower \"ABC\"}} {{upper \"abc\"}}", "", .out("abc ABC")),
    ("{{title \"hello wide world\"}}", "", .out("Hello Wide World")),
    ("{{title \"o'neil is here\"}}", "", .out("O'Neil Is Here")),
    ("{{truncate . 5}}", #""tupx5xzf6hvsrhnruz5cr8gwp""#, .out("tupx5")),
    ("{{truncate . 25}}", #""tupx5xzf6hvsrhnruz5cr8gwp""#, .out("tupx5xzf6hvsrhnruz5cr8gwp")),
    ("{{truncate . 30}}", #""tupx5xzf6hvsrhnruz5cr8gwp""#, .out("tupx5xzf6hvsrhnruz5cr8gwp")),
    ("{{pad . 3 3}}", #""tupx5""#, .out("   tupx5   ")),
    ("{{pad \"\" 2 2}}", "", .out("")),
    ("{{truncate . 5}}", #""""#, .out("")),
    ("{{truncate . 5}}", "null", .error("invalid value; expected string")),
    ("{{upper 5}}", "", .error("expected string; found 5")),
    ("{{upper .Int}}", "", .error("wrong type for value; expected string; got int")),
    ("{{truncate .Str \"2\"}}", "", .error("expected integer; found \"2\"")),
    ("{{upper .Nested.Missing}}", "", .error("invalid value; expected string")),
    ("{{html .HTML}}", "", .out("&lt;a&amp;b&gt;")),
    ("{{html \"<script>alert(\\\"XSS\\\");</script>\"}}", "", .out("&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;")),
    ("{{js \"it's\"}}", "", .out("it\\'s")),
    ("{{\"http://www.example.org/\" | urlquery}}", "", .out("http%3A%2F%2Fwww.example.org%2F")),
    ("{{urlquery \"a b&c\"}}", "", .out("a+b%26c")),
    ("{{call .Str}}", "", .error("error calling call: non-function .Str of type string")),
    // checked against Docker 28's CLI (docker context ls --format)
    ("{{lt 1 \"a\"}}", "", .error("error calling lt: incompatible types for comparison")),
    ("{{printf \"%x|%X|%b\" 3.5 3.5 1.0}}", "", .out("0x1.cp+01|0X1.CP+01|4503599627370496p-52")),
    ("{{printf \"%#g|%#.3e|%#v\" 1.0 2.0 1.5}}", "", .out("1.00000|2.000e+00|1.5")),
    ("{{printf \"%.0d|%.3d|%+.2e\" 0 7 -1.5}}", "", .out("|007|-1.50e+00")),
    ("{{printf \"%-08d|%08s|% 05d\" 3 \"ab\" 3}}", "", .out("3       |000000ab| 0003")),
    ("{{printf \"%10.4q|%+q\" \"héllo\" \"é\"}}", "", .out("    \"héll\"|\"\\u00e9\"")),
    ("{{printf \"%c|%U|%#U\" 0x1F600 -1 0x1F600}}", "", .out("😀|U+FFFFFFFFFFFFFFFF|U+1F600 '😀'")),
    ("{{printf \"%v|%v|%v|%v\" 1e21 1e20 123456.0 0.00001}}", "", .out("1e+21|1e+20|123456|1e-05")),
    ("{{printf \"%5t|%-6v|\" true false}}", "", .out(" true|false |")),
    ("{{printf \"%[2]*[1]d|\" 12 5}}", "", .out("   12|")),
    ("{{printf \"%.*[2]d\" 3 9}}", "", .out("009")),
    ("{{printf \"%[1]d %d %d\" 1 2 3}}", "", .out("1 2 3")),
    ("{{printf \"%d %[1]d\" 1 2}}", "", .out("1 1")),
    ("{{printf \"%!\" 1}}", "", .out("%!!(int=1)")),
    ("{{printf \"%5%|\"}}", "", .out("%|")),
    ("{{printf \"%s %v\" nil nil}}", "", .out("%!s(<nil>) <nil>")),
    ("{{len nil}}", "", .error("error calling len: reflect: call of reflect.Value.Type on zero Value")),
    ("{{index \"abc\" 3}}", "", .error("error calling index: reflect: string index out of range")),
    ("{{index .SI 3}}", "", .error("error calling index: reflect: slice index out of range")),
    ("{{slice \"abc\" 1 5}}", "", .error("error calling slice: index out of range: 5")),
    ("{{html 1 \"a\" 2}}", "", .out("1a2")),
    ("{{js \"<\\u2028é>\"}}", "", .out("\\u003C\\u2028é\\u003E")),
    ("{{print 1.5 2 \"x\" true}}", "", .out("1.5 2xtrue")),
    ("{{println}}", "", .out("\n")),
    ("{{not}}", "", .error(#":1:2: executing "" at <not>: wrong number of args for not: want 1 got 0"#)),
    ("{{eq}}", "", .error("wrong number of args for eq: want at least 1 got 0")),
    ("{{and 0}}", "", .out("0")),
    ("{{with 0}}x{{else with 1}}y{{end}}", "", .out("y")),
    ("{{range $i, $c := split \"ab\" \"\"}}{{$i}}{{$c}}{{end}}", "", .out("0a1b")),
    ("{{if 1}}{{$y := 2}}{{end}}{{$y}}", "", .error(#"template: :1: undefined variable "$y""#)),
    // parse errors, with Go's messages and lines
    ("{{.ID", "", .error("template: :1: unclosed action")),
    ("{{.ID}", "", .error("bad character U+007D '}'")),
    ("{{nosuch .X}}", "", .error(#"template: :1: function "nosuch" not defined"#)),
    ("{{\"abc}}", "", .error("unterminated quoted string")),
    ("{{`abc}}", "", .error("unterminated raw quoted string")),
    ("{{'a}}", "", .error("unterminated character constant")),
    ("{{/* x }}", "", .error("unclosed comment")),
    ("{{/* x */ .A}}", "", .error("comment ends before closing delimiter")),
    ("{{define \"x\"}}{{end}}", "", .out("")),
    ("{{template \"x\"}}", "", .error(#":1:11: executing "" at <{{template "x"}}>: template "x" not defined"#)),
    ("{{block \"x\" .}}{{end}}", "", .out("")),
    ("{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .Str}}", "", .out("[hello]")),
    ("{{block \"B\" .Int}}<{{.}}>{{end}}", "", .out("<17>")),
    ("a{{block \"inner\" .}}bar{{.}}baz{{end}}b", #""x""#, .out("abarxbazb")),
    ("{{define \"T\"}}{{.}}{{end}}{{template \"T\"}}", "", .out("<no value>")),
    ("{{define \"T\"}}{{$}}{{end}}{{template \"T\" 5}}", "", .out("5")),
    ("{{define \"T\"}}{{.Str}}{{end}}{{template \"T\" $}}", "", .out("hello")),
    ("{{define \"x\"}}a{{end}}{{define \"x\"}}b{{end}}", "", .error("multiple definition of template \"x\"")),
    ("{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}", "", .error("exceeded maximum template depth")),
    ("{{define \"T\"}}{{.X.Y}}{{end}}{{template \"T\" 1}}", "", .error(#":1:18: executing "T" at <.X.Y>: can't evaluate field X in type int"#)),
    ("{{if true}}{{define \"x\"}}{{end}}{{end}}", "", .error("unexpected <define> in command")),
    ("{{define \"T\"}}{{$x}}{{end}}{{$x := 1}}{{template \"T\"}}", "", .error(#"undefined variable "$x""#)),
    ("{{define \"T\"}}{{break}}{{end}}{{range .SI}}{{template \"T\"}}{{end}}", "", .error("{{break}} outside {{range}}")),
    ("line1\n{{.Str}}\n{{nosuch}}", "", .error(#"template: :3: function "nosuch" not defined"#)),
    ("line1\n{{", "", .error("template: :2: unclosed action")),
    ("{{\n\n\n\n\n", "", .error("template: :6: unclosed action started at :1")),
    ("{{.Str,}}", "", .error(#"unexpected "," in operand"#)),
    ("{{a#}}", "", .error("bad character U+0023 '#'")),
    ("{{0xi}}", "", .error(#"illegal number syntax: "0xi""#)),
    ("{{1.2.3}}", "", .error(#"unexpected ".3" in operand"#)),
    ("{{`x`3}}", "", .error("in operand")),
    ("{{.X →}}", "", .error("unrecognized character in action: U+2192 '→'")),
    ("{{ } }}", "", .error(#"unexpected "}" in command"#)),
    // execution errors name the line and column, as Go's do
    ("{{.Str}} {{.Missing}}", "", .error(#"template parsing error: template: :1:11: executing "" at <.Missing>: can't evaluate field Missing"#)),
    ("a\n{{index .SI 9}}", "", .error(#"template: :2:2: executing "" at <index .SI 9>: error calling index: index out of range: 9"#)),
    ("{{.Nested.X.Y.Z}}", "", .error(#":1:9: executing "" at <.Nested.X.Y.Z>: can't evaluate field Z in type string"#)),
    ("{{len .Int}}", "", .error(#":1:2: executing "" at <len .Int>: error calling len: len of type int"#)),
]

@Suite struct TemplateTests {
    static let data = try! JSONValue.parse(Array(templateData.utf8))

    @Test func table() throws {
        #expect(templateCases.count >= 150)
        for (template, json, want) in templateCases {
            let data = json.isEmpty ? TemplateTests.data : try JSONValue.parse(Array(json.utf8))
            let result: Result<String, any Error> = Result { try Template(template).render(data) }
            switch (want, result) {
            case (.out(let expected), .success(let got)):
                #expect(got == expected, "\(template)")
            case (.error(let expected), .failure(let error)):
                let message = HiveError.render(error)
                #expect(message.contains(expected), "\(template): \(message)")
                #expect(message.hasPrefix("template parsing error: template: "), "\(template): \(message)")
            case (.out(let expected), .failure(let error)):
                Issue.record("\(template): wanted \(expected.debugDescription), got error \(HiveError.render(error))")
            case (.error(let expected), .success(let got)):
                Issue.record("\(template): wanted an error with \(expected.debugDescription), got \(got.debugDescription)")
            }
        }
    }

    /// ps's `.Label "key"`: a method of the row, looked up before its keys.
    @Test func methods() throws {
        let row = JSONValue.object(["Names": .string("web"), "Labels": .string("a=1")])
        let methods: [String: TemplateMethod] = ["Label": Template.stringMethod("Label") { ["com.x": "1", "a": "b"][$0] ?? "" }]
        func render(_ t: String) throws -> String { try Template(t).render(row, methods: methods) }
        #expect(try render(#"{{.Label "com.x"}}"#) == "1")
        #expect(try render(#"{{.Label "none"}}|{{$.Label "a"}}"#) == "|b")
        #expect(try render(#"{{"a" | .Label}}"#) == "b")
        #expect(try render(#"{{if eq (.Label "a") "b"}}yes{{end}}"#) == "yes")
        #expect(throws: HiveError.self) { try render("{{.Label}}") }
        #expect(throws: HiveError.self) { try render(#"{{.Label "a" "b"}}"#) }
        #expect(throws: HiveError.self) { try render("{{.Label 1}}") }
        // a key is not a method: arguments to it are an error
        #expect(throws: HiveError.self) { try render(#"{{.Names "x"}}"#) }
        // methods belong to the data itself, not to values inside it
        #expect(try Template(#"{{with .Names}}{{.}}{{end}}"#).render(row, methods: methods) == "web")
    }

    /// Docker's table headers: the template over the column titles.
    @Test func headers() throws {
        let headers = ["ID": "CONTAINER ID", "Names": "NAMES"]
        #expect(try Template("{{.ID}}\t{{.Names}}").renderHeader(headers) == "CONTAINER ID\tNAMES")
        #expect(try Template("{{.ID}}: {{upper .Names}} {{json .Size}}").renderHeader(headers) == "CONTAINER ID: NAMES SIZE")
        #expect(try Template(#"{{printf "%-15s|" .ID}}{{.Label "x"}}"#).renderHeader(headers) == "CONTAINER ID   |LABEL")
        #expect(try Template("{{.State.Running}}").renderHeader(headers) == "STATE.RUNNING")
        #expect(try Template("{{truncate .ID 3}}").renderHeader(headers) == "CONTAINER ID")
        // an error ends the header where it happened, as in Docker
        #expect(try Template("{{.ID}} {{index .ID 99}} {{.Names}}").renderHeader(headers) == "CONTAINER ID ")
    }

    /// Docker's list formatters: `table`, trimmed spaces, `\t` and `\n` in the text.
    @Test func outputFormats() throws {
        let row = JSONValue.object(["ID": .string("abc"), "Size": .int(3), "Tags": .array([.string("a"), .string("b")])])
        func lines(_ format: String) throws -> [String] {
            let out = CaptureOutput()
            try Renderer.render([row], format: try OutputFormat.parse(format, defaultTemplate: "{{.ID}}"), headers: ["ID": "IMAGE ID"], to: out.output)
            return out.lines
        }
        #expect(try lines("{{.ID}}\\t{{.Size}}") == ["abc\t3"])
        #expect(try lines(" {{.ID}}\\n{{.Size}} ") == ["abc", "3"])
        #expect(try lines("table {{.ID}}\\t{{.Size}}") == ["IMAGE ID   SIZE", "abc        3"])
        #expect(try lines("table{{.ID}}") == ["IMAGE ID", "abc"])
        #expect(try lines("table") == ["IMAGE ID", "abc"])
        #expect(try lines("{{join .Tags \"\\t\"}}") == ["a\tb"])
        #expect(try lines("{{.ID}}\\n{{- .Size}}") == ["abc3"])
        #expect(try lines("json") == [#"{"ID":"abc","Size":3,"Tags":["a","b"]}"#])
        // Template itself is Go's: no unescaping (inspect -f, as Docker's)
        #expect(try Template("{{.ID}}\\t").render(row) == "abc\\t")
        #expect(throws: HiveError.self) { try OutputFormat.parse("{{.ID", defaultTemplate: "") }
    }

    @Test func tableAlignment() {
        let lines = TabWriter.align(["REPOSITORY\tTAG\tSIZE", "busybox\tlatest\t1MB", "a-much-longer-name\tv1\t2MB"])
        #expect(lines[0] == "REPOSITORY           TAG       SIZE")
        #expect(lines[1] == "busybox              latest    1MB")
        #expect(lines[2] == "a-much-longer-name   v1        2MB")
    }

    @Test func fieldNames() throws {
        #expect(try Template("{{.ID}} {{range .Tags}}{{.}}{{end}} {{$.Size}} {{if .A.B}}{{end}}").fieldNames == ["ID", "Tags", "Size", "A.B"])
    }
}

/// An Output whose bytes go to a pipe, read back as lines.
final class CaptureOutput {
    let output: Output
    private var fds: [Int32] = [0, 0]

    init() {
        _ = pipe(&fds)
        output = Output(fd: fds[1])
    }

    var lines: [String] {
        output.flush()
        close(fds[1])
        var bytes: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        close(fds[0])
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
