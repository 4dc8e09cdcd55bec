"""A rule-based reference agent for the Install Reminder boundary suite (a `command` provider).

It follows the prompt's call flow and situations with keyword rules, so cassettes can be
recorded deterministically without a hosted model:

    agentctl test install-reminder --suite boundary --record

(the suite's replay provider names this script under `live:`). Teams record their own
cassettes from their real model with `--provider openai-compatible:BASE_URL#MODEL`.

Reads the case JSON on stdin (system_prompt, tools, turns, tool_responses, context) and prints
the transcript JSON on stdout: {"turns": [...], "escalated": bool}. Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
import time

ABUSE = re.compile(r"\b(idiot|stupid|shut up|moron|screw you|damn)\b", re.I)
OPT_OUT = re.compile(r"\b(stop calling|don'?t call|do not call|stop$|^stop\b|remove me|unsubscribe)", re.I)
HUMAN = re.compile(r"\b(human|real person|a person|someone real|representative|supervisor|operator)\b", re.I)
UPSET = re.compile(r"\b(ridiculous|frustrat\w*|angry|upset|fed up|annoyed)\b", re.I)
WRONG = re.compile(r"\b(wrong number|not a driver|never signed up|who is this|don'?t drive|no idea what)\b", re.I)
STORAGE = re.compile(r"\b(storage|no space|out of space|phone is full|memory)\b", re.I)
INSTALLED = re.compile(r"\b(already (have|installed|got)|it'?s installed|installed it)\b", re.I)
NOT_RECEIVED = re.compile(r"\b(never (got|received)|didn'?t (get|receive|come)|not (received|arrived)|no text|"
                          r"haven'?t (got|gotten|received))\b", re.I)
YES = re.compile(r"\b(yes|yeah|yep|sure|ok(ay)?|please|go ahead|text (it|me))\b", re.I)
NO = re.compile(r"\b(no|not yet|nope|haven'?t)\b", re.I)
IPHONE = re.compile(r"\b(iphone|ios|apple)\b", re.I)
ANDROID = re.compile(r"\b(android|samsung|pixel)\b", re.I)

OPT_OUT_LINE = "If you'd rather not get these reminder calls, just say stop."


class Call:
    """One conversation: the facts the prompt gives, the mocks, and what has happened so far."""

    def __init__(self, case: dict) -> None:
        prompt = case["system_prompt"]
        self.name = _find(r"speaking\s+with\s+([^,]+),", prompt, "there")
        self.platform = _find(r"phone on\s+file is\s+(\w+)", prompt, "unknown")
        self.hours = _find(r"Human support is available\s+(.+?)\.\s*$", prompt, "during business hours", re.M)
        self.driver_id = (case.get("context") or {}).get("driver_id", "drv_1042")
        self.mocks = {name: list(answers) for name, answers in (case.get("tool_responses") or {}).items()}
        self.turns: list[dict] = []
        self.driver: dict | None = None
        self.offered = False
        self.sends = 0
        self.escalated = False
        self.ended = False

    # -- tools -----------------------------------------------------------------------------
    def tool(self, name: str, arguments: dict, text: str = "") -> dict:
        started = time.perf_counter()
        answers = self.mocks.get(name) or []
        answer = answers.pop(0) if answers else {"status": 500, "body": {"error": "no mocked response"}}
        self.turns.append({"role": "assistant", "text": text, "latency_ms": _ms(started),
                           "tool_calls": [{"id": f"call_{len(self.turns)}", "name": name, "arguments": arguments}]})
        self.turns.append({"role": "tool", "name": name,
                           "text": json.dumps({"status": answer.get("status", 200), "body": answer.get("body")})})
        return answer

    def lookup(self) -> dict:
        if self.driver is None:
            answer = self.tool("lookup_driver", {"driver_id": self.driver_id})
            self.driver = answer.get("body") if isinstance(answer.get("body"), dict) else {}
        return self.driver

    def send_link(self) -> bool:
        driver = self.lookup()
        platform = driver.get("platform") or self.platform
        if platform not in ("android", "ios"):
            platform = "android"
        self.sends += 1
        answer = self.tool("send_install_link", {"driver_id": driver.get("driver_id", self.driver_id),
                                                 "phone_number": driver.get("phone_number", ""), "platform": platform})
        body = answer.get("body") if isinstance(answer.get("body"), dict) else {}
        # the prompt: never claim a text was sent without a message id and status queued or sent
        return 200 <= answer.get("status", 0) < 300 and bool(body.get("message_id")) \
            and body.get("status") in ("queued", "sent")

    def transfer(self, reason: str, summary: str) -> None:
        self.tool("transfer_to_human", {"reason": reason, "summary": summary[:300]})
        self.escalated = True

    # -- turns -----------------------------------------------------------------------------
    def say(self, text: str, started: float) -> None:
        self.turns.append({"role": "assistant", "text": text, "tool_calls": [], "latency_ms": _ms(started)})

    def answer(self, user: str) -> None:
        started = time.perf_counter()
        self.turns.append({"role": "user", "text": user})
        if self.ended:
            return self.say("The call has ended.", started)
        self.say(self.reply(user), started)

    def reply(self, user: str) -> str:
        if ABUSE.search(user):
            self.ended = True
            return "I'm going to end the call now. Goodbye."
        if OPT_OUT.search(user):
            self.ended = True
            return "Understood, we won't call you about this again."
        if WRONG.search(user):
            self.ended = True
            return "I'm sorry for the trouble; I'll remove this number from our list. Goodbye."
        if HUMAN.search(user) or UPSET.search(user):
            reason = "asked_for_human" if HUMAN.search(user) else "upset_caller"
            self.transfer(reason, f"Driver {self.name} {'asked for a person' if reason == 'asked_for_human' else 'is upset'} "
                                  "during the install reminder call.")
            return f"Of course, I'm transferring you to driver support now. Human support is available {self.hours}."
        if NOT_RECEIVED.search(user):
            return self.resend()
        if INSTALLED.search(user):
            self.ended = True
            return f"Great, thanks {self.name}, you're all set for your first shift. {OPT_OUT_LINE}"
        if STORAGE.search(user):
            self.offered = True
            return ("The app needs about 200 MB; clearing old videos or unused apps usually frees enough. "
                    "Would you like me to text you the link so you can install it later today?")
        if self.offered and YES.search(user):
            return self.send_and_confirm()
        if NO.search(user) and not self.offered:
            driver = self.lookup()
            self.offered = True
            ending = str(driver.get("phone_number", ""))[-4:] or "on file"
            return f"No problem. Can I text the install link to your number ending in {ending}?"
        if self.offered and NO.search(user):
            self.ended = True
            return f"Okay, no text for now. {OPT_OUT_LINE}"
        if IPHONE.search(user) or ANDROID.search(user):
            self.platform = "ios" if IPHONE.search(user) else "android"
            self.offered = True
            return "Thanks. Shall I text you the install link now?"
        return (f"Hi {self.name}, this is Riley calling from Roadwise about the Roadwise Driver app. "
                "Do you already have it installed?")

    def send_and_confirm(self) -> str:
        if self.send_link():
            self.ended = True
            ending = str((self.driver or {}).get("phone_number", ""))[-4:]
            return f"Done, I've texted the install link to the number ending in {ending}. {OPT_OUT_LINE}"
        return "Sorry, the text did not go through. Would you like me to transfer you to a person?"

    def resend(self) -> str:
        self.lookup()
        if self.send_link():
            return "I've sent the link again; it should arrive within a minute."
        self.transfer("link_not_received", f"Install link to driver {self.driver_id} failed twice.")
        return ("Sorry, the text did not go through again, so I'm transferring you to driver support. "
                f"Human support is available {self.hours}.")


def _find(pattern: str, text: str, default: str, flags: int = 0) -> str:
    match = re.search(pattern, text, flags)
    return match.group(1).strip() if match else default


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def main() -> int:
    case = json.load(sys.stdin)
    call = Call(case)
    for turn in case["turns"]:
        call.answer(turn["user"])
    json.dump({"turns": call.turns, "escalated": call.escalated}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
