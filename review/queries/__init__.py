"""What the workspace reads and writes, one module a concern: the conversation list
(`conversations`), one conversation (`transcript`), the NLU inbox (`inbox`) and its verdicts
(`annotations`), the statistics (`stats`), the retention view (`retention`) and the audit log
(`audit`); `columns` holds what several of them share. A conversation is one patient's messages
(all of them, bot phase and human phase); patients appear only by pseudonym, text as stored
(redacted)."""
