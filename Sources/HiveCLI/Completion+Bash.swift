// The bash completion script: the tables as `case` arms, one walk over the
// words before the cursor (global options, group, verb, options and their
// values, positionals), then the candidates for the word at the cursor.
extension Completion {
    static func bash(_ m: Model) -> String {
        var s = """
        # bash completion for hive \(HiveCommand.version), written by `hive completion bash` from hive's
        # command tables. Use: source <(hive completion bash), or save it as
        # /etc/bash_completion.d/hive (or ~/.local/share/bash-completion/completions/hive).

        __hive_verbs=\(quote(m.verbs.joined(separator: " ")))
        __hive_groups=\(quote(m.groups.joined(separator: " ")))

        __hive_subs() {
            case $1 in

        """
        for (g, subs) in m.subs { s += "    \(quote(g))) echo \(quote(subs.joined(separator: " "))) ;;\n" }
        s += """
            esac
        }

        # a verb's spelling (`image ls`) -> its table's name (`images`)
        __hive_canon() {
            case $1 in

        """
        for spec in m.specs where spec.aliases.count > 1 {
            s += "    " + spec.aliases.dropFirst().map(quote).joined(separator: "|") + ") echo \(quote(spec.name)) ;;\n"
        }
        s += """
            *) echo "$1" ;;
            esac
        }

        # a verb's table: flags, flags taking a value, what each positional is
        # (the last repeats when rep=1), whether options end at the first positional
        __hive_spec() {
            flags= vflags= pos=() rep=0 inter=1
            case $1 in

        """
        for spec in [m.global] + m.specs {
            let pos = spec.positionalTokens.map(quote).joined(separator: " ")
            s += "    \(quote(spec.name)))\n"
            s += "        flags=\(quote(spec.flagWords.map(\.word).joined(separator: " ")))\n"
            s += "        vflags=\(quote(spec.valueFlags.joined(separator: " "))) pos=(\(pos)) rep=\(spec.repeats ? 1 : 0) inter=\(spec.interspersed ? 1 : 0) ;;\n"
        }
        s += """
            esac
        }

        # what the value of a verb's option is: kinds, and =WORD for fixed words
        __hive_vkind() {
            case "$1 $2" in

        """
        for (keys, tokens) in ([m.global] + m.specs).flatMap(\.valueKinds) {
            s += "    " + keys.map(quote).joined(separator: "|") + ") echo \(quote(tokens.joined(separator: " "))) ;;\n"
        }
        s += bashLogic
        return s
    }

    private static let bashLogic = #"""
        esac
    }

    __hive_has() {  # WORD LIST...
        local w=$1 x
        shift
        for x in "$@"; do [[ $x == "$w" ]] && return 0; done
        return 1
    }

    # names hive lists (with the --root/--runroot given on the line)
    __hive_names() {
        local hive=${COMP_WORDS[0]}
        case $1 in
        container) "$hive" "${root[@]}" ps -a --format '{{.Names}}' ;;
        image) "$hive" "${root[@]}" images --format '{{.Repository}}:{{.Tag}}' ;;
        volume) "$hive" "${root[@]}" volume ls -q ;;
        network) "$hive" "${root[@]}" network ls --format '{{.Name}}' ;;
        esac 2>/dev/null
    }

    __hive_offer() {  # KINDS...: fills COMPREPLY with the matches of $word
        local k n words=() names=()
        for k in "$@"; do
            case $k in
            =*) words+=("${k#=}") ;;
            file) compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- "$word")) ;;
            cpath) while IFS= read -r n; do names+=("$n:"); done < <(__hive_names container); compopt -o nospace 2>/dev/null ;;
            container | image | volume | network)
                while IFS= read -r n; do [[ $n == *"<none>"* ]] || names+=("$n"); done < <(__hive_names "$k") ;;
            esac
        done
        for n in "${words[@]}" "${names[@]}"; do [[ $n == "$word"* ]] && COMPREPLY+=("${n#"$trim"}"); done
    }

    _hive() {
        local cword=$COMP_CWORD word=${COMP_WORDS[COMP_CWORD]} trim=""
        # bash splits NAME:TAG at the colon (COMP_WORDBREAKS): complete the whole word,
        # answer with what follows the part before the cursor's word
        if [[ $word == : && $cword -gt 1 ]]; then
            trim=${COMP_WORDS[cword - 1]} word=$trim: cword=$((cword - 1))
        elif [[ $cword -gt 2 && ${COMP_WORDS[cword - 1]} == : ]]; then
            trim=${COMP_WORDS[cword - 2]}: word=$trim$word cword=$((cword - 2))
        fi
        local i w cmd= group= npos=0 noflags=0 pending= root=() flags vflags pos rep inter
        local gflags gvflags
        __hive_spec ""
        gflags=$flags gvflags=$vflags
        for ((i = 1; i < cword; i++)); do
            w=${COMP_WORDS[i]}
            if [[ ${COMP_WORDS[i + 1]-} == : ]]; then  # NAME : TAG, one word
                w+=:${COMP_WORDS[i + 2]-}
                i=$((i + 2))
            fi
            if [[ -n $pending ]]; then
                [[ $pending == --root || $pending == --runroot ]] && root+=("$pending" "$w")
                pending=
                continue
            fi
            if [[ $noflags == 0 && $w == -?* ]]; then
                if [[ $w == -- ]]; then noflags=1
                elif [[ $w == --*=* ]]; then [[ $w == --root=* || $w == --runroot=* ]] && root+=("$w")
                elif [[ $w == --* ]]; then __hive_has "$w" $vflags $gvflags && pending=$w
                else __hive_has "-${w: -1}" $vflags $gvflags && pending=-${w: -1}  # -it, -e: the last letter may take the next word
                fi
                continue
            fi
            if [[ -z $group && -z $cmd ]]; then
                if __hive_has "$w" $__hive_groups; then group=$w; continue; fi
                __hive_has "$w" $__hive_verbs || return 0
                cmd=$w
            elif [[ -z $cmd ]]; then
                __hive_has "$w" $(__hive_subs "$group") || return 0
                cmd="$group $w"
            else
                npos=$((npos + 1))
                [[ $inter == 0 ]] && noflags=1
                continue
            fi
            cmd=$(__hive_canon "$cmd")
            __hive_spec "$cmd"
        done
        COMPREPLY=()
        if [[ -n $pending ]]; then
            __hive_offer $(__hive_vkind "$cmd" "$pending") $(__hive_vkind "" "$pending")
        elif [[ $noflags == 0 && $word == -* ]]; then
            [[ -n $cmd ]] || flags=$gflags
            COMPREPLY=($(compgen -W "$flags" -- "$word"))
        elif [[ -z $cmd && -z $group ]]; then
            COMPREPLY=($(compgen -W "$__hive_verbs $__hive_groups" -- "$word"))
        elif [[ -z $cmd ]]; then
            COMPREPLY=($(compgen -W "$(__hive_subs "$group")" -- "$word"))
        else
            local k=${pos[npos]-}
            [[ -z $k && $rep == 1 && ${#pos[@]} -gt 0 ]] && k=${pos[${#pos[@]} - 1]}
            __hive_offer ${k//,/ }
        fi
        return 0
    }

    complete -F _hive hive

    """#

    /// A shell word in single quotes.
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences("'", "'\\''") + "'"
    }
}
