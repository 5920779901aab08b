function __collab_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __collab_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __collab_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __collab_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __collab_parse_tokens -S
    set -l unparsed_tokens (__collab_tokens -pc)
    switch $unparsed_tokens[1]
    case 'collab'
        __collab_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'import'
            __collab_parse_subcommand 1 'format=' 'o/output=' 'store=' 'force' 'document=' 'skip-invalid=' 'version' 'h/help'
        case 'export'
            __collab_parse_subcommand 1 'store=' 'o/output=' 'format=' 'version' 'h/help'
        case 'apply'
            __collab_parse_subcommand 2 'store=' 'json' 'as=' 'version' 'h/help'
        case 'merge'
            __collab_parse_subcommand -r 1 'o/output=' 'dry-run' 'force' 'json' 'version' 'h/help'
        case 'materialize'
            __collab_parse_subcommand 1 'store=' 'at=' 'o/output=' 'format=' 'ids' 'version' 'h/help'
        case 'log'
            __collab_parse_subcommand 1 'store=' 'json' 'version' 'h/help'
        case 'edit'
            __collab_parse_subcommand -r 3 'store=' 'client=' 'base=' 'reply-to=' 'json' 'as=' 'version' 'h/help'
        case 'verify'
            __collab_parse_subcommand -r 1 'json' 'version' 'h/help'
        case 'repair'
            __collab_parse_subcommand 1 'store=' 'version' 'h/help'
        case 'salvage'
            __collab_parse_subcommand 1 'o/output=' 'force' 'json' 'version' 'h/help'
        case 'checkpoint'
            __collab_parse_subcommand 1 'store=' 'version' 'h/help'
        case 'ls'
            __collab_parse_subcommand 0 'store=' 'json' 'version' 'h/help'
        case 'revert'
            __collab_parse_subcommand 1 'store=' 'ops=+' 'client=' 'since=' 'as=' 'dry-run' 'json' 'version' 'h/help'
        case 'undo'
            __collab_parse_subcommand 1 'store=' 'client=' 'n=' 'dry-run' 'json' 'version' 'h/help'
        case 'version'
            __collab_parse_subcommand 1 'store=' 'json' 'version' 'h/help'
        case 'versions'
            __collab_parse_subcommand 1 'store=' 'json' 'version' 'h/help'
        case 'tag'
            __collab_parse_subcommand 2 'store=' 'at=' 'm/message=' 'as=' 'json' 'version' 'h/help'
        case 'diff'
            __collab_parse_subcommand -r 1 'store=' 'from=' 'to=' 'format=' 'o/output=' 'version' 'h/help'
        case 'blame'
            __collab_parse_subcommand 1 'store=' 'at=' 'json' 'version' 'h/help'
        case 'restore'
            __collab_parse_subcommand 1 'store=' 'to=' 'as=' 'dry-run' 'format=' 'json' 'version' 'h/help'
        case 'compact'
            __collab_parse_subcommand 1 'store=' 'before=' 'stable' 'o/output=' 'dry-run' 'no-backup' 'drop-tags' 'json' 'version' 'h/help'
        case 'grant'
            __collab_parse_subcommand 3 'expires=' 'store=' 'as=' 'version' 'h/help'
        case 'revoke'
            __collab_parse_subcommand 2 'store=' 'as=' 'version' 'h/help'
        case 'transfer'
            __collab_parse_subcommand 1 'to=' 'yes' 'store=' 'as=' 'version' 'h/help'
        case 'access'
            __collab_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __collab_parse_subcommand 1 'json' 'store=' 'as=' 'version' 'h/help'
            case 'check'
                __collab_parse_subcommand 3 'store=' 'as=' 'version' 'h/help'
            end
        case 'audit'
            __collab_parse_subcommand 1 'json' 'store=' 'as=' 'version' 'h/help'
        case 'keygen'
            __collab_parse_subcommand 0 'o/output=' 'version' 'h/help'
        case 'token'
            __collab_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'issue'
                __collab_parse_subcommand 0 'user=' 'expires=' 'doc=' 'key-file=' 'store=' 'version' 'h/help'
            case 'verify'
                __collab_parse_subcommand 1 'key-file=' 'store=' 'version' 'h/help'
            case 'check'
                __collab_parse_subcommand 3 'password' 'key-file=' 'store=' 'version' 'h/help'
            end
        case 'share'
            __collab_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __collab_parse_subcommand 1 'level=' 'expires=' 'password' 'key-file=' 'store=' 'as=' 'version' 'h/help'
            case 'list'
                __collab_parse_subcommand 1 'json' 'store=' 'as=' 'version' 'h/help'
            case 'revoke'
                __collab_parse_subcommand 1 'store=' 'as=' 'version' 'h/help'
            end
        case 'serve'
            __collab_parse_subcommand 0 'store=' 'host=' 'port=' 'key-file=' 'version' 'h/help'
        case 'exit-codes'
            __collab_parse_subcommand 0 'version' 'h/help'
        case 'help'
            __collab_parse_subcommand -r 1 'version'
        end
    end
end

function __collab_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __collab_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __collab_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __collab_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__collab_tokens -p)
    if test -z "$(__collab_tokens -t)"
        set -l index (count (__collab_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'collab' -f
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'import' -d 'Make an op log from an editing trace or a JSON-lines op stream.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'export' -d 'Write a log\'s ops, or a whole store\'s, as JSON lines.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'apply' -d 'Validate ops and append them to a log.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'merge' -d 'Merge op logs of one document (edits made offline) into a new log.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'materialize' -d 'Print a document\'s text at head or at any version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'log' -d 'List a log\'s ops, one line each, numbered as @N counts them.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'edit' -d 'Make an edit from the shell and append its op to the log.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'verify' -d 'Check logs: every record\'s checksums and sequence, and that every op replays.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'repair' -d 'Cut a torn tail off a .clog log, keeping the cut bytes in a side file.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'salvage' -d 'Copy everything that verifies from a damaged .clog into a new log.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'checkpoint' -d 'Append a checkpoint of a .clog log\'s state, so it opens without replaying its history.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'ls' -d 'List the documents of a store: size, ops, clients, last change.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'revert' -d 'Undo chosen ops with new ops (an operator\'s tool against a bad actor or import).'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'undo' -d 'Undo a client\'s own last changes, leaving other clients\' work alone.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'version' -d 'Print a log\'s head version in each form a version can take.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'versions' -d 'List a document\'s named versions and checkpoints, with what changed between them.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'tag' -d 'Name a version of a document.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'diff' -d 'Show what changed between two versions, track-changes style, with who and when.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'blame' -d 'Show who wrote each line of a document, and when.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'restore' -d 'Make head show an older version again, with new ops (history is kept).'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'compact' -d 'Squash a log\'s history before a cutoff into a base, dropping deleted text.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'grant' -d 'Give a user (or anyone, a link share) a level of access to a document or folder.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'revoke' -d 'Take away what a user was granted on a document or folder itself.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'transfer' -d 'Move ownership of a document or folder to another user.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'access' -d 'Show who may do what with a document, or check one user and action.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'audit' -d 'Every access change that touches a document or folder, in order, with who and when.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'keygen' -d 'Write a new signing key for a store\'s tokens.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'token' -d 'Issue or check signed tokens that say who their bearer is.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'share' -d 'Make, list or revoke link shares: tokens that give anyone who holds them a level.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'serve' -d 'Serve a store\'s documents for real-time editing over WebSocket.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'exit-codes' -d 'List the exit codes every collab command uses.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" format' -l 'format' -d 'The input format.' -rfka 'trace jsonl rows'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" o output' -l 'output' -s 'o' -d 'The log to create, or - for stdout.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" store' -l 'store' -d 'Import into this store directory instead (a store export\'s documents, or --document).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" force' -l 'force' -d 'Replace an output log (or a store\'s document) that exists.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" document' -l 'document' -d 'The document id of the new log (default: the input\'s documentId tags, or the output\'s file name).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" skip-invalid' -l 'skip-invalid' -d 'Import the good lines; write each bad one with its reason to this file.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab export" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab export" o output' -l 'output' -s 'o' -d 'Where to write, or - for stdout.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab export" format' -l 'format' -d 'ops: the op form of docs/ops.md; rows: the relational rows of docs/formats.md.' -rfka 'ops rows'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab export" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab apply" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab apply" json' -l 'json' -d 'Print the outcome as JSON.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab apply" as' -l 'as' -d 'Check the ops against this user\'s access first (with --store): one forbidden op refuses them all (exit 77).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab apply" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab apply" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" o output' -l 'output' -s 'o' -d 'The merged log to create, or - for stdout.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" dry-run' -l 'dry-run' -d 'Report what each input contributes; write nothing.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" force' -l 'force' -d 'Replace the output if it exists.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" json' -l 'json' -d 'Print the dry-run report as JSON.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab merge" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" at' -l 'at' -d 'The version to show: head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" o output' -l 'output' -s 'o' -d 'Where to write, or - for stdout.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" format' -l 'format' -d 'text, markdown, html or json.' -rfka 'text markdown html json'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" ids' -l 'ids' -d 'With --format json: list each run\'s character ids (client:first-last).'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab materialize" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab log" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab log" json' -l 'json' -d 'One JSON object per op: n, id, span, time, type, summary, op.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab log" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" client' -l 'client' -d 'The client id the op is made by.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" base' -l 'base' -d 'Edit the document as it was at this version (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab edit" -eq 1' -fka 'insert delete format comment edit-comment resolve reopen delete-comment block set-block delete-block move-block'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" reply-to' -l 'reply-to' -d 'With comment: the comment (client:seq) this one replies to.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" json' -l 'json' -d 'Print the new op as JSON.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" as' -l 'as' -d 'Check the edit against this user\'s access first (with --store; the client must be the user\'s).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab edit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab verify" json' -l 'json' -d 'Print one JSON object per log.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab verify" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab repair" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab repair" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab repair" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab salvage" o output' -l 'output' -s 'o' -d 'The new log to write.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab salvage" force' -l 'force' -d 'Replace the output if it exists.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab salvage" json' -l 'json' -d 'Print the report as JSON.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab salvage" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab salvage" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab checkpoint" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab checkpoint" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab checkpoint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab ls" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab ls" json' -l 'json' -d 'Print one JSON object per document.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab ls" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab ls" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert"' -l 'ops' -d 'Op id ranges to revert: client:seq or client:from-to.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" client' -l 'client' -d 'Revert this client\'s ops.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" since' -l 'since' -d 'With --client: only its ops after this version.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" as' -l 'as' -d 'The client id the new ops are made by.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" dry-run' -l 'dry-run' -d 'Print the ops a revert would make without writing them.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" json' -l 'json' -d 'Print the new ops as JSON lines.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revert" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" client' -l 'client' -d 'Whose changes to undo; the new ops are theirs too.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" n' -s 'n' -d 'How many of its ops to undo.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" dry-run' -l 'dry-run' -d 'Print the ops an undo would make without writing them.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" json' -l 'json' -d 'Print the new ops as JSON lines.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab undo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab version" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab version" json' -l 'json' -d 'Print one JSON object.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab version" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab versions" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab versions" json' -l 'json' -d 'Print a JSON array.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab versions" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab versions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" at' -l 'at' -d 'The version to name (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" m message' -l 'message' -s 'm' -d 'Why: a message kept with the tag.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" as' -l 'as' -d 'Who names it (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" json' -l 'json' -d 'Print the tag as JSON.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab tag" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" store' -l 'store' -d 'A store directory: the logs are then document ids in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" from' -l 'from' -d 'The older version (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" to' -l 'to' -d 'The newer version (default: head).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" format' -l 'format' -d 'ansi, markup, html or json (default: ansi on a terminal, else markup).' -rfka 'ansi markup html json'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" o output' -l 'output' -s 'o' -d 'Where to write, or - for stdout.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab blame" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab blame" at' -l 'at' -d 'The version (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab blame" json' -l 'json' -d 'Print a JSON array of lines with their spans.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab blame" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab blame" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" to' -l 'to' -d 'The version to restore (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" as' -l 'as' -d 'The client id the new ops are made by.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" dry-run' -l 'dry-run' -d 'Write nothing; print the diff the restore would make.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" format' -l 'format' -d 'With --dry-run: ansi, markup, html or json.' -rfka 'ansi markup html json'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" json' -l 'json' -d 'Print the new ops as JSON lines.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab restore" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" store' -l 'store' -d 'A store directory: LOG is then a document id in it.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" before' -l 'before' -d 'The cutoff (head, @N, a tag name, an ISO-8601 time (2026-11-20T14:00Z) or client:count,… (alice:41,bob:7)).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" stable' -l 'stable' -d 'Take the cutoff as the version every replica has acknowledged.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" o output' -l 'output' -s 'o' -d 'Write the compacted log here instead of replacing LOG (a .clog).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" dry-run' -l 'dry-run' -d 'Write nothing; print what compaction would do.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" no-backup' -l 'no-backup' -d 'Do not keep the previous file as LOG.before-compact.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" drop-tags' -l 'drop-tags' -d 'Leave out tags whose versions lie before the cutoff, instead of refusing.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" json' -l 'json' -d 'Print one JSON object.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab compact" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab grant" expires' -l 'expires' -d 'When the grant ends: a duration (30m, 12h, 7d, 2w) or an ISO-8601 time.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab grant" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab grant" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab grant" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab grant" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revoke" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revoke" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revoke" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" to' -l 'to' -d 'The new owner.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" yes' -l 'yes' -d 'Confirm the transfer.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab transfer" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab access" -eq 1' -fa 'list' -d 'Every subject\'s effective access to a document, and the grant it comes from.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab access" -eq 1' -fa 'check' -d 'Whether a user may do an action: exit 0 allowed, 77 denied, with the reason.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access list" json' -l 'json' -d 'Print a JSON array.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access list" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access list" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access list" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access check" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access check" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access check" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab access check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab audit" json' -l 'json' -d 'Print a JSON array of events.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab audit" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab audit" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab audit" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab keygen" o output' -l 'output' -s 'o' -d 'The key file to write.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab keygen" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab keygen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab token" -eq 1' -fa 'issue' -d 'Print a token for a user, signed with the store\'s key.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab token" -eq 1' -fa 'verify' -d 'Print a token\'s claims, or why it is refused (exit 77).'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab token" -eq 1' -fa 'check' -d 'Whether a token\'s bearer may do an action to a document: exit 0 allowed, 77 refused.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" user' -l 'user' -d 'The user the token speaks for.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" expires' -l 'expires' -d 'When it expires: a duration (30m, 12h, 7d) or an ISO-8601 time.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" doc' -l 'doc' -d 'Limit it to a document, or a folder prefix ending in /.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" key-file' -l 'key-file' -d 'The signing key file.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" store' -l 'store' -d 'The store the token is for.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token issue" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token verify" key-file' -l 'key-file' -d 'The signing key file.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token verify" store' -l 'store' -d 'The store the token must be for.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token verify" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token check" password' -l 'password' -d 'Read a link share\'s password from standard input.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token check" key-file' -l 'key-file' -d 'The signing key file.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token check" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token check" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab token check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab share" -eq 1' -fa 'create' -d 'Make a link share and print its token.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab share" -eq 1' -fa 'list' -d 'The link shares in force on a document or the folders above it.'
complete -c 'collab' -n '__collab_should_offer_completions_for_positional "collab share" -eq 1' -fa 'revoke' -d 'Stop a link share from working.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" level' -l 'level' -d 'viewer, commenter or editor.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" expires' -l 'expires' -d 'When it ends: a duration (30m, 12h, 7d) or an ISO-8601 time (default: 30d).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" password' -l 'password' -d 'Protect it with a password read from standard input.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" key-file' -l 'key-file' -d 'The signing key file.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share list" json' -l 'json' -d 'Print a JSON array.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share list" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share list" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share list" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share revoke" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share revoke" as' -l 'as' -d 'Who is acting (default: $USER).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share revoke" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab share revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" store' -l 'store' -d 'The store directory.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" host' -l 'host' -d 'The address to listen on.' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" port' -l 'port' -d 'The port to listen on (0: any free one).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" key-file' -l 'key-file' -d 'The signing key file (default: STORE/signing.key, made when missing).' -rfka ''
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab exit-codes" version' -l 'version' -d 'Show the version.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab exit-codes" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'collab' -n '__collab_should_offer_completions_for_flags_or_options "collab help" version' -l 'version' -d 'Show the version.'
