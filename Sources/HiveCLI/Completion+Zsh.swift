// The zsh completion script: bash's walk over the words (Completion+Bash),
// with each option's help shown beside it (_describe).
extension Completion {
    static func zsh(_ m: Model) -> String {
        var s = """
        #compdef hive
        # zsh completion for hive \(HiveCommand.version), written by `hive completion zsh` from hive's
        # command tables. Use: source <(hive completion zsh), or save it as _hive in a
        # directory of $fpath.

        __hive_verbs=(\(m.verbs.map(quote).joined(separator: " ")))
        __hive_groups=(\(m.groups.map(quote).joined(separator: " ")))

        __hive_subs() {
            case $1 in

        """
        for (g, subs) in m.subs { s += "    (\(quote(g))) reply=(\(subs.map(quote).joined(separator: " "))) ;;\n" }
        s += """
            (*) reply=() ;;
            esac
        }

        __hive_canon() {
            case $1 in

        """
        for spec in m.specs where spec.aliases.count > 1 {
            s += "    (" + spec.aliases.dropFirst().map(quote).joined(separator: "|") + ") REPLY=\(quote(spec.name)) ;;\n"
        }
        s += """
            (*) REPLY=$1 ;;
            esac
        }

        __hive_spec() {
            flags=() vflags=() pos=() rep=0 inter=1
            case $1 in

        """
        for spec in [m.global] + m.specs {
            let described = spec.flagWords.map { quote($0.word + ":" + $0.help) }
            let pos = spec.positionalTokens.map(quote)
            s += "    (\(quote(spec.name)))\n"
            s += "        flags=(\(described.joined(separator: " ")))\n"
            s += "        vflags=(\(spec.valueFlags.joined(separator: " "))) pos=(\(pos.joined(separator: " "))) rep=\(spec.repeats ? 1 : 0) inter=\(spec.interspersed ? 1 : 0) ;;\n"
        }
        s += """
            esac
        }

        __hive_vkind() {
            case "$1 $2" in

        """
        for (keys, tokens) in ([m.global] + m.specs).flatMap(\.valueKinds) {
            s += "    (" + keys.map(quote).joined(separator: "|") + ") reply=(\(tokens.map(quote).joined(separator: " "))) ;;\n"
        }
        s += zshLogic
        return s
    }

    private static let zshLogic = #"""
        (*) reply=() ;;
        esac
    }

    # names hive lists (with the --root/--runroot given on the line)
    __hive_names() {
        local hive=${words[1]}
        case $1 in
        (container) $hive $root ps -a --format '{{.Names}}' ;;
        (image) $hive $root images --format '{{.Repository}}:{{.Tag}}' ;;
        (volume) $hive $root volume ls -q ;;
        (network) $hive $root network ls --format '{{.Name}}' ;;
        esac 2>/dev/null
    }

    __hive_offer() {
        local k
        local -a fixed names cpaths
        for k in "$@"; do
            case $k in
            ('='*) fixed+=(${k#'='}) ;;
            (file) _files ;;
            (cpath) cpaths+=(${(f)"$(__hive_names container)"}) ;;
            (*) names+=(${(f)"$(__hive_names $k)"}) ;;
            esac
        done
        names=(${names:#*<none>*})
        (( $#fixed )) && compadd -- $fixed
        (( $#names )) && compadd -- $names
        (( $#cpaths )) && compadd -S : -- $cpaths
        return 0
    }

    _hive() {
        local -a flags vflags pos root gflags gvflags reply
        local rep inter cmd= group= npos=0 noflags=0 pending= i w REPLY
        __hive_spec ''
        gflags=($flags) gvflags=($vflags)
        for ((i = 2; i < CURRENT; i++)); do
            w=${words[i]}
            if [[ -n $pending ]]; then
                [[ $pending == --root || $pending == --runroot ]] && root+=($pending $w)
                pending=
                continue
            fi
            if (( ! noflags )) && [[ $w == -?* ]]; then
                if [[ $w == -- ]]; then noflags=1
                elif [[ $w == --*=* ]]; then [[ $w == --root=* || $w == --runroot=* ]] && root+=($w)
                elif [[ $w == --* ]]; then (( ${vflags[(Ie)$w]} || ${gvflags[(Ie)$w]} )) && pending=$w
                else w=-${w[-1]}; (( ${vflags[(Ie)$w]} || ${gvflags[(Ie)$w]} )) && pending=$w
                fi
                continue
            fi
            if [[ -z $group && -z $cmd ]]; then
                if (( ${__hive_groups[(Ie)$w]} )); then group=$w; continue; fi
                (( ${__hive_verbs[(Ie)$w]} )) || return 1
                cmd=$w
            elif [[ -z $cmd ]]; then
                __hive_subs $group
                (( ${reply[(Ie)$w]} )) || return 1
                cmd="$group $w"
            else
                (( npos++ ))
                (( inter )) || noflags=1
                continue
            fi
            __hive_canon $cmd
            cmd=$REPLY
            __hive_spec $cmd
        done
        local cur=${words[CURRENT]} k
        if [[ -n $pending ]]; then
            local -a kinds
            __hive_vkind $cmd $pending; kinds=($reply)
            __hive_vkind '' $pending; kinds+=($reply)
            __hive_offer $kinds
        elif (( ! noflags )) && [[ $cur == -* ]]; then
            [[ -n $cmd ]] || flags=($gflags)
            _describe -t options option flags
        elif [[ -z $cmd && -z $group ]]; then
            compadd -- $__hive_verbs $__hive_groups
        elif [[ -z $cmd ]]; then
            __hive_subs $group
            compadd -- $reply
        else
            k=${pos[npos + 1]}
            [[ -z $k && $rep == 1 ]] && k=${pos[-1]}
            __hive_offer ${(s:,:)k}
        fi
    }

    if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
        _hive "$@"
    else
        compdef _hive hive
    fi

    """#
}
