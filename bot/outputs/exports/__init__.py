"""Documents out of the record: the 台账 ledger (xlsx) and the 情况通报 bulletin (docx).

`bot.outputs.exports.ledger.build_ledger` and `bot.outputs.exports.bulletin.build_bulletin` read the same facts
(`bot.outputs.exports.facts`) and return bytes, so the command line writes them to a file and a chat
handler sends them as a document; nothing here imports `telegram`.
"""
