#!/usr/bin/env python3
"""Reference token ids of CLIP's BPE tokenizer, for the Swift parity tests of CLIPTokenizer.

Writes Tests/ModelsTests/Fixtures/tokenizer/clip_tokenizer.json: for each prompt, open_clip's
`tokenize(text)` (context 77: start, BPE tokens, end, zero padding, truncated as open_clip does),
the raw `SimpleTokenizer.encode(text)`, whether the prompt was truncated, and `argmax` of the ids
(the position CLIP's text tower pools). A few prompts are also tokenized with other context
lengths. Prompts are hand-written (what people type: punctuation, numbers, emoji, scripts,
accents in NFC and NFD, HTML entities, white space, contractions, code, URLs, typed special
tokens, lengths around the 77-token boundary) plus a seeded random mix to widen coverage.

The Swift tokenizer does not repair mojibake (ftfy's `fix_encoding`), and knows the HTML 4
entity names only (see Sources/Models/Tokenizer/TextCleaning.swift); prompts that would need
either are left out, and the script says how many.

open_clip's package import needs a torchvision matching torch; only its tokenizer module is
needed here, so it is loaded from its file. Usage (Python 3.11; made with open_clip_torch 3.3.0,
ftfy 6.3.1, regex 2026.5.9, torch 2.13 CPU):
    pip install ftfy regex open_clip_torch
    python3 Tools/parity/make_tokenizer_fixtures.py
"""

import html
import html.entities
import importlib.metadata
import importlib.util
import json
import pathlib
import random
import re
import sys

import ftfy
import ftfy.chardata
import torch

OUTPUT = (
    pathlib.Path(__file__).resolve().parents[2]
    / "Tests" / "ModelsTests" / "Fixtures" / "tokenizer" / "clip_tokenizer.json"
)
CONTEXT_LENGTH = 77


def load_reference_tokenizer():
    package = importlib.util.find_spec("open_clip")  # finds the package without importing it
    path = pathlib.Path(package.submodule_search_locations[0]) / "tokenizer.py"
    spec = importlib.util.spec_from_file_location("open_clip_tokenizer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_written_prompts():
    prompts = [
        # Plain prompts.
        "a photo of a cat", "A painting of a fox in the style of Van Gogh", "a red circle on a white background",
        "An oil painting of a lighthouse at sunset, trending on artstation", "a sketch of a horse",
        "a watercolor landscape with mountains and a lake", "the Eiffel Tower at night", "a photo of a {}.",
        "((masterpiece)), best quality, 8k, ultra-detailed", "cat:1.2, dog:0.8", "[cat|dog]", "--ar 16:9 --v 5",
        "unreal engine 5, octane render, 4k, HDR", "Self-portrait of a robot (oil on canvas)",
        # Punctuation.
        "hello, world!", "wait... what?!", "(parentheses) [brackets] {braces}", "a -- b — c – d",
        "#hashtag @mention",
        "100% $5 €10 £3 ¥7 ₹9", "semi;colon:colon", 'quote "double" \'single\'', "back\\slash/slash", "a_b-c.d",
        "!!!???", "***", "~tilde~", "`backtick`", "^caret^", "| pipe |", "<angle>", "&", "&&", "a & b", "...",
        "?", "'", "''", "'''", "¿Qué? ¡Sí!", "«guillemets» ‹single›", "a·b•c", "§1 ¶2 †3 ‡4", "→ ← ↑ ↓ ⇒",
        "°C 25°", "™ ® ©", "…", "a…b", "x²+y²=z²", "1/2 + 1/4", "~~~===---", "#1 #2 #3",
        # Digits and numbers.
        "3.14", "1,000", "1 000 000", "2024-01-15", "12:30pm", "0.5x", "4k", "1st 2nd 3rd 4th", "١٢٣ ٤٥٦",
        "½ ¼ ¾", "²³¹", "Ⅻ ⅻ Ⅳ", "①②③", "१२३", "𝟙𝟚𝟛", "007", "1e-5", "-42", "+7", "3/4", "v1.2.3",
        "1234567890", "3.14159265358979323846", "$1,234.56", "0x1F600", "٣٫١٤",
        # Emoji: single, with text, skin tones, ZWJ sequences, flags, keycaps, variation selectors.
        "🐱", "a cat 🐱 on a mat", "👍🏽", "👍🏻👍🏼👍🏽👍🏾👍🏿", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "❤", "🇫🇷🇯🇵", "👩🏻‍💻",
        "🤷‍♂️", "😀😃😄", "✨ sparkles ✨", "1️⃣ 2️⃣ #️⃣", "©️", "🧑‍🚀 astronaut", "🐈‍⬛", "a 🌍 planet", "🔥🔥🔥",
        # CJK and other scripts.
        "猫", "一只猫在垫子上", "日本語のテキスト", "한국어 문장", "漢字とかな", "ｶﾀｶﾅ", "ＡＢＣ１２３！", "中文，标点。",
        "東京タワーの写真", "수채화 풍경", "قطة على السجادة", "مرحبا بالعالم", "חתול על השטיח", "گربه روی فرش",
        "बिल्ली चटाई पर", "แมวบนเสื่อ", "Οδυσσεύς", "ΟΔΥΣΣΕΥΣ", "ΣΟΦΙΑ ΣΣ", "ΣΑΣ.", "Σ", "ΑΣ'Σ", "Кошка на ковре",
        "ЁЖ И ЁЛКА", "Привет, мир!", "ქართული", "Հայերեն", "Tiếng Việt", "ελληνικά", "Ελλάδα",
        "İstanbul ıı I", "Straße ẞ", "ǅemal ǈubljana ǋivo", "ĲSSEL ĳs", "ﬁne ﬂower ﬀ ﬃ ﬄ ﬅ ﬆ",
        # Accented Latin, composed (NFC) and decomposed (NFD).
        "café", "cafe\u0301", "naïve", "nai\u0308ve", "Ångström", "A\u030angstro\u0308m", "résumé",
        "re\u0301sume\u0301", "crème brûlée", "cre\u0300me bru\u0302le\u0301e", "Zoë", "ñandú", "n\u0303andu\u0301",
        "Œuvre", "Ærø", "Tiê\u0301ng Viê\u0323t", "e\u0301\u0301", "\u0301", "a\u0345", "ᾼ", "α\u0345",
        "!\u0345!",
        # HTML entities, as pasted from web pages.
        "&amp;", "Tom &amp; Jerry", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;", "it&#39;s", "it&#x27;s",
        "&nbsp;space&nbsp;", "caf&eacute;", "wait&hellip;", "a&mdash;b&ndash;c", "&copy; 2024", "&amp;amp;",
        "&amp;lt;", "&amp;amp;amp;lt;", "&copyright", "&ampersand", "&EACUTE; &NBSP; &SZLIG;", "&#128512;",
        "&#0;", "&#xD800;", "&#1114112;", "&#99999999999999999999;", "&#65", "&#x41", "&#X42;", "&unknown;",
        "&lang; &rang;", "<b>&amp;</b>", "line1 &amp;\nline2 <b>\nline3 &amp;", "&#x;", "&#;", "& amp;",
        "&apos;", "&nbsp&nbsp", "&#128;&#150;&#159;", "&#13;", "&#11;", "&#65534;", "&#xFDD0;", "&#59;",
        "&amp;#39;", "&eacutex", "&Eacute;&eacute;", "&#769;", "e&#769;", "e&#769", "x <y> &#769;",
        "&euro; &pound; &yen; &cent;", "&frac12; &deg; &plusmn; &times; &divide;",
        "&lsquo;a&rsquo; &ldquo;b&rdquo;",
        "&alpha;&beta;&gamma; &Omega;", "&AMP; &LT; &GT; &QUOT;", "&TRADE;", "&hearts;", "&", "&;", "&&amp;",
        # White space.
        "  leading", "trailing  ", "  both  ", "a   b", "a\tb", "a\nb", "a\r\nb", "a\rb", "\t\n  \r", "a\u00a0b",
        "a\u3000b", "a\u2003b", "a\u200bb", "a\u2028b", "a\u2029b", "a\x0bb", "a\x0cb", "a\x1cb", "a\x85b",
        "\ufeffbom", "a\u202fb\u205fc\u1680d", "tab\there\tand\tthere", "\n\nparagraph\n\n",
        # Contractions, any case, and curly apostrophes (ftfy straightens them).
        "DON'T", "it's", "It'S", "I'M", "we'll", "they'd", "you're", "we've", "can't", "won't", "rock 'n' roll",
        "'s", "the cats' toys", "o'clock", "y'all", "'RE 'VE 'LL 'D 'M 'T", "it’s", "DON’T", "‘single’",
        "“quoted”", "„German“", "‚x‛", "ʼn", "ŉ", "it'ſ", "'ſ", "''s", "!'s", "a'sb", "'s's's",
        # Empty and blank.
        "", " ", "   ", "\n", "\n\n", "\t", "\r\n", "\u3000",
        # Special tokens typed literally.
        "<start_of_text>", "<end_of_text>", "a <end_of_text> b", "<START_OF_TEXT>", "<End_Of_Text>",
        "<start_of_text><end_of_text>", "<ſtart_of_text>", "!<start_of_text>", "x<end_of_text>y",
        "<start_of_text", "start_of_text", "</w>", "cat</w>dog",
        # URLs and code.
        "https://example.com/path?q=1&x=2", "www.github.com/openai/CLIP", "file:///tmp/a.png", "mailto:a@b.c",
        "http://a.b/c?d=e&amp;f=g", "email@example.com", "def f(x): return x**2",
        "for (int i = 0; i < n; ++i) { a[i] = 0; }", '<div class="x">hi</div>', "SELECT * FROM t;",
        "x => x + 1", "#include <stdio.h>", '{"key": [1, 2]}', "snake_case camelCase PascalCase kebab-case",
        "C:\\Users\\me\\Pictures", "$HOME/.cache/clip", "a == b != c <= d >= e",
        # Mixed scripts.
        "hello мир 世界 🌍", "Tokyo 東京 tōkyō", "abcабв", "α-beta γ", "e=mc²", "∑∫√∞≠≤", "𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕",
        "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "ｈｅｌｌｏ　ｗｏｒｌｄ", "日本語 English 한국어 русский",
        # Controls and terminal escapes.
        "\x1b[31mred\x1b[0m text", "\x1b[1;32mbold green\x1b[m", "\x1b]0;title\x07", "a\x00b", "a\x7fb",
        "a\x08b", "\u202ertl override", "\u200d zwj alone", "a\u206ab", "a\ufff9b\ufffcc", "\x80\x81\x8d\x9f",
        "a\x96b", "\ufffd", "a\u00adb",
    ]
    # Every fullwidth and halfwidth form ftfy maps, every ligature, every quote ftfy uncurls.
    forms = "".join(chr(c) for c in range(0xFF01, 0xFFEF))
    prompts += [forms[i:i + 40] for i in range(0, len(forms), 40)]
    prompts.append("".join(chr(c) for c in [0x132, 0x133, 0x149, 0x1F1, 0x1F2, 0x1F3, 0x1C4, 0x1C5, 0x1C6,
                                             0x1C7, 0x1C8, 0x1C9, 0x1CA, 0x1CB, 0x1CC, 0xFB00, 0xFB01, 0xFB02,
                                             0xFB03, 0xFB04, 0xFB05, 0xFB06]))
    prompts.append(" ".join(chr(c) for c in [0x2BC, 0x2018, 0x2019, 0x201A, 0x201B, 0x201C, 0x201D, 0x201E,
                                              0x201F, 0x2039, 0x203A]))
    return prompts


def long_prompts(encode):
    """Prompts of 74 to 80 tokens (start and end included), and much longer ones."""
    words = ("a detailed oil painting of an old lighthouse on a rocky coast at sunset with waves crashing "
             "against the cliffs and seagulls flying over the water in warm golden light").split()
    endings = ["", " 🏳️‍🌈", " naïve café", " <end_of_text> more words", " 1,000.5", " supercalifragilistic",
               "!!!", " DON'T"]
    prompts = []
    for target in range(74, 81):
        for ending in endings:
            text = ""
            index = 0
            # Add words until the prompt, ending included, reaches the target length (or just passes
            # it, when the ending is several tokens).
            while len(encode(text + ending)) + 2 < target:
                text += ("" if not text else " ") + words[index % len(words)]
                index += 1
            prompts.append(text + ending)
    prompts += [
        " ".join(words * 4), "a" * 300, "supercalifragilisticexpialidocious" * 5, "1234567890" * 10,
        "🐱" * 80, "<end_of_text>" * 100, "猫" * 100, "word " * 76, "word " * 75, "word " * 74,
    ]
    return prompts


def random_prompts(count, seed=20240611):
    rng = random.Random(seed)
    words = ("cat dog photo painting of a the in on with and sunset forest city night blue red golden "
             "style Monet Picasso cyberpunk portrait landscape abstract minimal neon glowing ancient "
             "futuristic misty ocean mountain river castle dragon robot flower garden winter summer "
             "IMPRESSIONIST Baroque surreal vibrant moody cinematic HDR").split()
    symbols = list("!?.,;:-_()[]{}'\"/\\|@#$%^&*+=<>~`") + ["...", "--", "—", "–", "’", "“", "”", "…", "·"]
    numbers = ["0", "7", "42", "3.14", "1,000", "2024", "16:9", "8k", "½", "²", "٣"]
    emoji = ["🐱", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "❤️", "🇯🇵", "✨", "🔥", "🌍", "1️⃣"]
    foreign = ["café", "cafe\u0301", "naïve", "Straße", "東京", "猫", "한국", "кошка", "ΣΟΦΙΑ", "قطة", "שלום",
               "बिल्ली", "ﬁne", "ＡＢＣ", "Ångström", "İ", "ǅ"]
    entities = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&eacute;", "&hellip;", "&mdash;",
                "&copy;", "&#x263A;", "&#8364;", "&amp;amp;", "&AMP;"]
    spaces = [" ", " ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", ""]
    pools = [(words, 10), (symbols, 3), (numbers, 2), (emoji, 2), (foreign, 2), (entities, 1)]
    choices = [pool for pool, weight in pools for _ in range(weight)]
    prompts = []
    for _ in range(count):
        length = rng.choice([1, 2, 3, 5, 8, 12, 20, 30, 45, 60])
        parts = []
        for _ in range(length):
            item = rng.choice(rng.choice(choices))
            if rng.random() < 0.1:
                item = item.upper()
            parts.append(item + rng.choice(spaces))
        prompts.append("".join(parts))
    return prompts


def needs_unported_cleaning(text):
    """Whether ftfy repairs mojibake in the text, or it uses an HTML5-only entity name."""
    if ftfy.fix_text(text) != ftfy.fix_text(text, fix_encoding=False):
        return True
    html4 = set(html.entities.entitydefs) | {"apos"}
    for name in re.findall(r"&([0-9A-Za-z]+);", text):
        known = name in html4 or name.lower() in html4
        decoded = html.unescape(f"&{name};") != f"&{name};" or f"&{name};" in ftfy.chardata.HTML_ENTITIES
        if decoded and not known:
            return True
    return False


def main():
    reference = load_reference_tokenizer()
    tokenizer = reference._tokenizer
    candidates = hand_written_prompts() + long_prompts(tokenizer.encode) + random_prompts(260)
    prompts, skipped, seen = [], [], set()
    for text in candidates:
        if text in seen:
            continue
        seen.add(text)
        (skipped if needs_unported_cleaning(text) else prompts).append(text)

    cases = []
    ids = reference.tokenize(prompts, context_length=CONTEXT_LENGTH)
    for text, row in zip(prompts, ids):
        encoded = tokenizer.encode(text)
        cases.append({
            "text": text,
            "encode": encoded,
            "ids": row.tolist(),
            "truncated": len(encoded) + 2 > CONTEXT_LENGTH,
            "argmax": int(torch.argmax(row)),
        })

    context_cases = []
    for context_length in [1, 2, 3, 8, 16, 32]:
        for text in ["a photo of a cat", "", "a detailed oil painting of an old lighthouse at sunset", "🏳️‍🌈 flag"]:
            row = reference.tokenize([text], context_length=context_length)[0]
            context_cases.append({
                "text": text,
                "context_length": context_length,
                "ids": row.tolist(),
                "truncated": len(tokenizer.encode(text)) + 2 > context_length,
                "argmax": int(torch.argmax(row)),
            })

    lengths = [len(case["encode"]) + 2 for case in cases]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUTPUT, "w", encoding="ascii") as file:
        file.write('{"reference": ' + json.dumps(
            f"open_clip_torch {importlib.metadata.version('open_clip_torch')} tokenize(), ftfy {ftfy.__version__}, "
            f"Python {sys.version.split()[0]}") + ",\n")
        file.write(f'"context_length": {CONTEXT_LENGTH},\n"cases": [\n')
        file.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in cases))
        file.write('\n],\n"context_cases": [\n')
        file.write(",\n".join(json.dumps(case, separators=(",", ":")) for case in context_cases))
        file.write("\n]}\n")
    print(f"wrote {OUTPUT}: {len(cases)} prompts ({sum(c['truncated'] for c in cases)} truncated, "
          f"{sum(74 <= n <= 80 for n in lengths)} of 74-80 tokens), {len(context_cases)} other context lengths; "
          f"{len(skipped)} left out (mojibake repair or HTML5-only entities)")
    for text in skipped:
        print("  left out:", ascii(text))


if __name__ == "__main__":
    main()
