// The fish completion script: one function that walks the words before the
// cursor as bash's does (Completion+Bash) and prints candidates with their
// help after a tab; fish matches them against the word being completed.
extension Completion {
    static func fish(_ m: Model) -> String {
        var s = """
        # fish completion for hive \(HiveCommand.version), written by `hive completion fish` from hive's
        # command tables. Use: hive completion fish > ~/.config/fish/completions/hive.fish

        set -g __hive_verbs \(m.verbs.map(quote).joined(separator: " "))
        set -g __hive_groups \(m.groups.map(quote).joined(separator: " "))

        function __hive_subs
            switch $argv[1]

        """
        for (g, subs) in m.subs { s += "        case \(quote(g))\n            printf '%s\\n' \(subs.map(quote).joined(separator: " "))\n" }
        s += """
            end
        end

        function __hive_canon
            switch $argv[1]

        """
        for spec in m.specs where spec.aliases.count > 1 {
            s += "        case " + spec.aliases.dropFirst().map(quote).joined(separator: " ") + "\n            echo \(quote(spec.name))\n"
        }
        s += """
                case '*'
                    echo $argv[1]
            end
        end

        function __hive_spec
            set -g __hive_flags
            set -g __hive_vflags
            set -g __hive_pos
            set -g __hive_rep 0
            set -g __hive_inter 1
            switch $argv[1]

        """
        for spec in [m.global] + m.specs {
            let described = spec.flagWords.map { quote($0.word) + "\\t" + quote($0.help) }
            s += "        case \(quote(spec.name))\n"
            s += "            set -g __hive_flags \(described.joined(separator: " "))\n"
            if !spec.valueFlags.isEmpty { s += "            set -g __hive_vflags \(spec.valueFlags.joined(separator: " "))\n" }
            if !spec.positionals.isEmpty {
                s += "            set -g __hive_pos \(spec.positionalTokens.map(quote).joined(separator: " "))\n"
            }
            s += "            set -g __hive_rep \(spec.repeats ? 1 : 0)\n            set -g __hive_inter \(spec.interspersed ? 1 : 0)\n"
        }
        s += """
            end
        end

        function __hive_vkind
            switch "$argv[1] $argv[2]"

        """
        for (keys, tokens) in ([m.global] + m.specs).flatMap(\.valueKinds) {
            s += "        case " + keys.map(quote).joined(separator: " ") + "\n"
            s += "            printf '%s\\n' \(tokens.map(quote).joined(separator: " "))\n"
        }
        s += fishLogic
        return s
    }

    private static let fishLogic = #"""
        end
    end

    # names hive lists (with the --root/--runroot given on the line)
    function __hive_names
        set -l hive (commandline -opc)[1]
        switch $argv[1]
            case container
                $hive $__hive_root ps -a --format '{{.Names}}' 2>/dev/null
            case image
                $hive $__hive_root images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | string match -v '*<none>*'
            case volume
                $hive $__hive_root volume ls -q 2>/dev/null
            case network
                $hive $__hive_root network ls --format '{{.Name}}' 2>/dev/null
        end
    end

    function __hive_offer
        for k in $argv
            switch $k
                case '=*'
                    string sub -s 2 -- $k
                case file
                    __fish_complete_path (commandline -ct)
                case cpath
                    __hive_names container | string replace -r '$' ':'
                case container image volume network
                    __hive_names $k
            end
        end
    end

    function __hive_complete
        set -l tokens (commandline -opc)
        set -e tokens[1]
        set -l cur (commandline -ct)
        set -l cmd ''
        set -l group ''
        set -l npos 0
        set -l noflags 0
        set -l pending ''
        set -g __hive_root
        __hive_spec ''
        set -l gflags $__hive_flags
        set -l gvflags $__hive_vflags
        for w in $tokens
            if test -n "$pending"
                if contains -- $pending --root --runroot
                    set -a __hive_root $pending $w
                end
                set pending ''
                continue
            end
            if test $noflags = 0; and string match -qr -- '^-.' $w
                if test "$w" = --
                    set noflags 1
                else if string match -q -- '--*=*' $w
                    if string match -qr -- '^--(root|runroot)=' $w
                        set -a __hive_root $w
                    end
                else if string match -q -- '--*' $w
                    if contains -- $w $__hive_vflags $gvflags
                        set pending $w
                    end
                else
                    set -l s -(string sub -s -1 -- $w)
                    if contains -- $s $__hive_vflags $gvflags
                        set pending $s
                    end
                end
                continue
            end
            if test -z "$group" -a -z "$cmd"
                if contains -- $w $__hive_groups
                    set group $w
                    continue
                end
                contains -- $w $__hive_verbs; or return
                set cmd $w
            else if test -z "$cmd"
                contains -- $w (__hive_subs $group); or return
                set cmd "$group $w"
            else
                set npos (math $npos + 1)
                test $__hive_inter = 0; and set noflags 1
                continue
            end
            set cmd (__hive_canon $cmd)
            __hive_spec $cmd
        end
        if test -n "$pending"
            __hive_offer (__hive_vkind $cmd $pending) (__hive_vkind '' $pending)
        else if test $noflags = 0; and string match -q -- '-*' $cur
            if test -z "$cmd"
                printf '%s\n' $gflags
            else
                printf '%s\n' $__hive_flags
            end
        else if test -z "$group" -a -z "$cmd"
            printf '%s\n' $__hive_verbs $__hive_groups
        else if test -z "$cmd"
            __hive_subs $group
        else
            set -l k $__hive_pos[(math $npos + 1)]
            if test -z "$k" -a "$__hive_rep" = 1 -a (count $__hive_pos) -gt 0
                set k $__hive_pos[-1]
            end
            __hive_offer (string split , -- $k)
        end
    end

    complete -c hive -f -a '(__hive_complete)'

    """#
}
