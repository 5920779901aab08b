#!/bin/bash

__collab_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__collab_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__collab_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__collab_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_collab() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __collab_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    import|export|apply|merge|materialize|log|edit|verify|repair|salvage|checkpoint|ls|revert|undo|version|versions|tag|diff|blame|restore|compact|grant|revoke|transfer|access|audit|keygen|token|share|serve|sync|watch|loadtest|store|exit-codes|formats|help)
        # Offer subcommand argument completions
        "_collab_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'import export apply merge materialize log edit verify repair salvage checkpoint ls revert undo version versions tag diff blame restore compact grant revoke transfer access audit keygen token share serve sync watch loadtest store exit-codes formats help' -- "${cur}"))
        ;;
    esac
}

_collab_import() {
    repeating_flags=()
    non_repeating_flags=(--force --json --allow-clock-skew --version -h --help)
    repeating_options=()
    non_repeating_options=(--format --output -o --store --document --skip-invalid)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __collab_add_completions -W 'trace'$'\n''jsonl'$'\n''rows'
        return
        ;;
    '--output'|'-o')
        return
        ;;
    '--store')
        return
        ;;
    '--document')
        return
        ;;
    '--skip-invalid')
        return
        ;;
    esac
}

_collab_export() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--store --output -o --format)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--output'|'-o')
        return
        ;;
    '--format')
        __collab_add_completions -W 'ops'$'\n''rows'
        return
        ;;
    esac
}

_collab_apply() {
    repeating_flags=()
    non_repeating_flags=(--json --allow-clock-skew --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_merge() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --force --json --allow-clock-skew --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o)
    __collab_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        return
        ;;
    esac
}

_collab_materialize() {
    repeating_flags=()
    non_repeating_flags=(--ids --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --at --output -o --format)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--at')
        return
        ;;
    '--output'|'-o')
        return
        ;;
    '--format')
        __collab_add_completions -W 'text'$'\n''markdown'$'\n''html'$'\n''json'
        return
        ;;
    esac
}

_collab_log() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_edit() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --client --base --reply-to --as)
    __collab_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--client')
        return
        ;;
    '--base')
        return
        ;;
    '--reply-to')
        return
        ;;
    '--as')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    2)
        __collab_add_completions -W 'insert'$'\n''delete'$'\n''format'$'\n''comment'$'\n''edit-comment'$'\n''resolve'$'\n''reopen'$'\n''delete-comment'$'\n''block'$'\n''set-block'$'\n''delete-block'$'\n''move-block'
        return
        ;;
    esac
}

_collab_verify() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_repair() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_salvage() {
    repeating_flags=()
    non_repeating_flags=(--force --json --list --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        return
        ;;
    esac
}

_collab_checkpoint() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_ls() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_revert() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --version -h --help)
    repeating_options=(--ops)
    non_repeating_options=(--store --client --since --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--ops')
        return
        ;;
    '--client')
        return
        ;;
    '--since')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_undo() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --client -n)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--client')
        return
        ;;
    '-n')
        return
        ;;
    esac
}

_collab_version() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_versions() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    esac
}

_collab_tag() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --at --message -m --as)
    __collab_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--at')
        return
        ;;
    '--message'|'-m')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_diff() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--store --from --to --format --output -o --color)
    __collab_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--format')
        __collab_add_completions -W 'ansi'$'\n''markup'$'\n''html'$'\n''json'
        return
        ;;
    '--output'|'-o')
        return
        ;;
    '--color')
        __collab_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    esac
}

_collab_blame() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --at)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--at')
        return
        ;;
    esac
}

_collab_restore() {
    repeating_flags=()
    non_repeating_flags=(--dry-run --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --to --as --format)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--to')
        return
        ;;
    '--as')
        return
        ;;
    '--format')
        __collab_add_completions -W 'ansi'$'\n''markup'$'\n''html'$'\n''json'
        return
        ;;
    esac
}

_collab_compact() {
    repeating_flags=()
    non_repeating_flags=(--stable --dry-run --no-backup --drop-tags --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --before --output -o)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--before')
        return
        ;;
    '--output'|'-o')
        return
        ;;
    esac
}

_collab_grant() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--expires --store --as)
    __collab_offer_flags_options 3

    # Offer option value completions
    case "${prev}" in
    '--expires')
        return
        ;;
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_revoke() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_transfer() {
    repeating_flags=()
    non_repeating_flags=(--yes --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--to --store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--to')
        return
        ;;
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_access() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|check)
        # Offer subcommand argument completions
        "_collab_access_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list check' -- "${cur}"))
        ;;
    esac
}

_collab_access_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_access_check() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 3

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_audit() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_keygen() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--output -o)
    __collab_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--output'|'-o')
        return
        ;;
    esac
}

_collab_token() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    issue|verify|check)
        # Offer subcommand argument completions
        "_collab_token_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'issue verify check' -- "${cur}"))
        ;;
    esac
}

_collab_token_issue() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--user --expires --doc --key-file --store)
    __collab_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--user')
        return
        ;;
    '--expires')
        return
        ;;
    '--doc')
        return
        ;;
    '--key-file')
        return
        ;;
    '--store')
        return
        ;;
    esac
}

_collab_token_verify() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--key-file --store)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--key-file')
        return
        ;;
    '--store')
        return
        ;;
    esac
}

_collab_token_check() {
    repeating_flags=()
    non_repeating_flags=(--password --version -h --help)
    repeating_options=()
    non_repeating_options=(--key-file --store)
    __collab_offer_flags_options 3

    # Offer option value completions
    case "${prev}" in
    '--key-file')
        return
        ;;
    '--store')
        return
        ;;
    esac
}

_collab_share() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|list|revoke)
        # Offer subcommand argument completions
        "_collab_share_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create list revoke' -- "${cur}"))
        ;;
    esac
}

_collab_share_create() {
    repeating_flags=()
    non_repeating_flags=(--password --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--level --expires --key-file --store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--level')
        return
        ;;
    '--expires')
        return
        ;;
    '--key-file')
        return
        ;;
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_share_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_share_revoke() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --as)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--as')
        return
        ;;
    esac
}

_collab_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--origin)
    non_repeating_options=(--store --host --port --key-file --max-message --rate --max-connections-per-user --max-connections-per-doc --ping-interval --idle-unload --max-clock-skew)
    __collab_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--key-file')
        return
        ;;
    '--origin')
        return
        ;;
    '--max-message')
        return
        ;;
    '--rate')
        return
        ;;
    '--max-connections-per-user')
        return
        ;;
    '--max-connections-per-doc')
        return
        ;;
    '--ping-interval')
        return
        ;;
    '--idle-unload')
        return
        ;;
    '--max-clock-skew')
        return
        ;;
    esac
}

_collab_sync() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --doc --token --token-file --replica)
    __collab_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--doc')
        return
        ;;
    '--token')
        return
        ;;
    '--token-file')
        return
        ;;
    '--replica')
        return
        ;;
    esac
}

_collab_watch() {
    repeating_flags=()
    non_repeating_flags=(--from-now --presence --version -h --help)
    repeating_options=()
    non_repeating_options=(--doc --token --token-file --since --count)
    __collab_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--doc')
        return
        ;;
    '--token')
        return
        ;;
    '--token-file')
        return
        ;;
    '--since')
        return
        ;;
    '--count')
        return
        ;;
    esac
}

_collab_loadtest() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --typists --docs --rate --duration --prefix --key-file --store --token)
    __collab_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--clients')
        return
        ;;
    '--typists')
        return
        ;;
    '--docs')
        return
        ;;
    '--rate')
        return
        ;;
    '--duration')
        return
        ;;
    '--prefix')
        return
        ;;
    '--key-file')
        return
        ;;
    '--store')
        return
        ;;
    '--token')
        return
        ;;
    esac
}

_collab_store() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|copy)
        # Offer subcommand argument completions
        "_collab_store_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init copy' -- "${cur}"))
        ;;
    esac
}

_collab_store_init() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 1
}

_collab_store_copy() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 2
}

_collab_exit-codes() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0
}

_collab_formats() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options 0
}

_collab_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __collab_offer_flags_options -1
}

complete -o filenames -F _collab collab
