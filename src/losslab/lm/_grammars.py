"""The two synthetic languages: small probabilistic grammars whose next-word distributions are known exactly.

A grammar is a table ``state -> ((word, next_state, probability), ...)``; a sentence starts in ``"start"`` and ends
when ``next_state`` is ``None`` (after the line break). In each state the words are prefix-free (none begins
another), so a text is read back into its words in one way only, and the entropy per character of the text equals
the entropy of its words divided by its characters.

The seed example of both: after "今日はいい" the next word is 天気 (0.6), 電車 (0.2) or 気分 (0.2); after
"The weather today is " it is "sunny" (0.6), "rainy" (0.2) or "cold" (0.2). The same word can follow different
contexts with different probabilities ("明日はいい" → 天気 0.8), so a model that sees more than the previous word
does better: a bigram model cannot reach the entropy floor, a model with a longer context can.
"""

from __future__ import annotations

Rule = tuple[str, str | None, float]
Grammar = dict[str, tuple[Rule, ...]]

_END = "end"

JA: Grammar = {
    "start": (("今日は", "today", 0.5), ("明日は", "tomorrow", 0.3), ("昨日は", "yesterday", 0.2)),
    "today": (("いい", "today_good", 0.6), ("雨で", "rain", 0.4)),
    "today_good": (("天気", "weather", 0.6), ("電車", "train", 0.2), ("気分", "mood", 0.2)),
    "tomorrow": (("いい", "tomorrow_good", 0.5), ("雨で", "rain_future", 0.5)),
    "tomorrow_good": (("天気", "weather_future", 0.8), ("気分", "mood_future", 0.2)),
    "yesterday": (("いい", "past_good", 0.3), ("雨で", "rain_past", 0.7)),
    "past_good": (("天気", "weather_past", 0.5), ("気分", "mood_past", 0.5)),
    "weather": (("です。", _END, 0.5), ("ですね。", _END, 0.3), ("だ。", _END, 0.2)),
    "train": (("です。", _END, 0.5), ("に乗ります。", _END, 0.5)),
    "mood": (("です。", _END, 0.7), ("ですね。", _END, 0.3)),
    "weather_future": (("でしょう。", _END, 0.6), ("になります。", _END, 0.4)),
    "mood_future": (("になります。", _END, 0.5), ("でしょう。", _END, 0.5)),
    "rain": (("寒いです。", _END, 0.5), ("出かけません。", _END, 0.5)),
    "rain_future": (("寒いでしょう。", _END, 0.6), ("出かけません。", _END, 0.4)),
    "rain_past": (("寒かったです。", _END, 0.6), ("出かけませんでした。", _END, 0.4)),
    "weather_past": (("でした。", _END, 0.7), ("でしたね。", _END, 0.3)),
    "mood_past": (("でした。", _END, 1.0),),
    _END: (("\n", None, 1.0),),
}

EN: Grammar = {
    "start": (("The ", "the", 0.7), ("My ", "my", 0.3)),
    "the": (("weather ", "weather", 0.6), ("train ", "the_train", 0.4)),
    "weather": (("today ", "today", 0.5), ("tomorrow ", "tomorrow", 0.5)),
    "today": (("is ", "today_is", 1.0),),
    "today_is": (("sunny", "sunny", 0.6), ("rainy", "rainy", 0.2), ("cold", "cold", 0.2)),
    "tomorrow": (("will ", "will", 1.0),),
    "will": (("be ", "will_be", 1.0),),
    "will_be": (("sunny", "sunny", 0.8), ("cold", "cold", 0.2)),
    "sunny": ((".", _END, 0.5), (" again.", _END, 0.3), ("!", _END, 0.2)),
    "rainy": ((".", _END, 0.7), ("!", _END, 0.3)),
    "cold": ((".", _END, 1.0),),
    "the_train": (("is ", "train_is", 1.0),),
    "train_is": (("late.", _END, 0.5), ("early.", _END, 0.2), ("full.", _END, 0.3)),
    "my": (("train ", "my_train", 0.5), ("cat ", "cat", 0.5)),
    "my_train": (("was ", "was", 1.0),),
    "was": (("late.", _END, 0.6), ("full.", _END, 0.4)),
    "cat": (("is ", "cat_is", 1.0),),
    "cat_is": (("asleep.", _END, 0.7), ("hungry.", _END, 0.3)),
    _END: (("\n", None, 1.0),),
}

GRAMMARS: dict[str, Grammar] = {"ja": JA, "en": EN}
