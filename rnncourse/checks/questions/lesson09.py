"""Concept questions for lesson 09 (하이퍼파라미터 튜닝): noise floor, selection bias, L2 vs weight decay, lr grids."""
from __future__ import annotations

import math

from rnncourse.checks import quiz

FLIP = 0.1        # share of flipped labels in the lesson's sign-of-sum task
CANDIDATES = 200  # coin-flip "models" in section 4
VAL_SIZE = 64     # validation examples they are scored on


def _expected_best_accuracy(candidates: int = CANDIDATES, n: int = VAL_SIZE) -> float:
    """E[max accuracy] of ``candidates`` independent coin-flip guessers on ``n`` labels (exact, from the binomial CDF)."""
    cdf, total = [], 0.0
    for k in range(n + 1):
        total += math.comb(n, k) / 2 ** n
        cdf.append(min(total, 1.0))
    # E[max] = sum over k >= 1 of P(max >= k), and P(max >= k) = 1 - P(one < k)^candidates
    return sum(1 - cdf[k - 1] ** candidates for k in range(1, n + 1)) / n


q1 = quiz.estimate(
    f"개념 1: 라벨의 {FLIP:.0%}가 뒤집힌 문제에서 새 데이터의 가장 낮은 교차 엔트로피 (실행하기 전에 어림하기)",
    value=-FLIP * math.log(FLIP) - (1 - FLIP) * math.log(1 - FLIP),
    rel_tol=0.1,
    explain="완벽한 모델도 '양성일 확률 0.9'처럼 답할 수밖에 없으므로, 손실은 뒤집힘 확률의 엔트로피 "
            "H(0.1) = −0.1 ln 0.1 − 0.9 ln 0.9 아래로 내려갈 수 없습니다.",
    too_low="0에 가까운 값은 틀린 라벨까지 맞히는 모델의 손실입니다. 새 데이터의 뒤집힌 라벨은 어떤 모델도 미리 알 수 없습니다.",
    too_high="ln 2 ≈ 0.693은 아무것도 모르는 모델(우연 수준)의 손실입니다. 규칙을 아는 모델은 90%의 자신감으로 답할 수 있습니다.",
)

q3 = quiz.estimate(
    f"개념 3: 동전 던지기로 찍는 후보 {CANDIDATES}개 가운데 검증 데이터 {VAL_SIZE}개에서 가장 잘 맞힌 후보의 정확도 "
    "(실행하기 전에 어림하기, 0과 1 사이의 수로)",
    value=_expected_best_accuracy(),
    rel_tol=0.07,
    explain="하나하나의 정확도는 평균 0.5, 표준편차 √(0.25/64) ≈ 0.0625입니다. 200개 가운데 최고는 평균보다 "
            "표준편차의 약 2.7배 위에 놓이므로 0.67쯤이 됩니다. 고르는 행위만으로 검증 점수에 거품이 낍니다.",
    too_low="0.5는 후보 하나의 평균입니다. 200개 가운데 가장 운 좋은 것을 고르면 평균보다 훨씬 위에 있습니다.",
    too_high="찍는 후보가 64개 중 50개 넘게 맞히는 일은 200번 시도로는 거의 일어나지 않습니다. 표준편차(약 0.06)의 몇 배쯤 위일지 생각해 보세요.",
)

q4 = quiz.choice(
    "개념 4: 검증 데이터로 λ2를 고른 뒤, 그 검증 손실을 모델의 실력으로 보고하면",
    options={
        "a": "검증 데이터는 학습에 쓰지 않았으므로 정직한 추정이다.",
        "b": "실제 실력보다 낙관적으로 치우친다. 고르는 데 쓰지 않은 시험 데이터로 따로 재야 한다.",
        "c": "실제 실력보다 비관적으로 치우친다. 검증 데이터가 작기 때문이다.",
    },
    answer="b",
    why={
        "a": "가중치를 배우는 데는 쓰지 않았어도, 후보 가운데 하나를 고르는 데 썼습니다. 고른 값은 검증 데이터에서 "
             "운 좋게 잘 나온 값일 수 있습니다.",
        "c": "검증 데이터가 작으면 점수가 들쭉날쭉할 뿐, 어느 한쪽으로 치우치지는 않습니다. 치우침은 가장 좋은 것을 "
             "고르는 데서 생기고, 그 방향은 늘 낙관 쪽입니다.",
    },
    explain="학습 데이터로 가중치를, 검증 데이터로 하이퍼파라미터를 고르고, 모든 선택이 끝난 뒤 시험 데이터로 한 번만 잽니다.",
)

q2 = quiz.choice(
    "개념 2: 손실에 L2 벌점 λ·Σw²를 더하는 것과 가중치 감쇠(weight decay)",
    options={
        "a": "어떤 최적화 기법에서든 완전히 같은 계산이다.",
        "b": "보통의 경사 하강법(SGD)에서는 같은 계산이지만, Adam에서는 다르다. 그래서 AdamW가 나왔다.",
        "c": "어떤 최적화 기법에서도 서로 관계가 없다.",
    },
    answer="b",
    why={
        "a": "Adam은 기울기를 가중치마다 다른 크기로 나눕니다. 벌점의 기울기 2λw도 함께 나뉘므로, "
             "가중치를 일정한 비율로 줄이는 감쇠와 달라집니다.",
        "c": "SGD에서는 w ← w − η(g + 2λw) = (1 − 2ηλ)w − ηg이므로, 매 걸음 가중치를 일정한 비율로 줄이는 "
             "가중치 감쇠와 정확히 같습니다.",
    },
    explain="SGD에서는 두 이름이 같은 것을 가리키지만, Adam에서는 다릅니다. Loshchilov와 Hutter(2019)는 "
            "Adam에 감쇠를 따로 적용한 AdamW를 제안했습니다.",
)

q5 = quiz.choice(
    "개념 5: 학습률을 훑을 후보 목록으로 가장 좋은 것",
    options={
        "a": "0.1, 0.2, 0.3, …, 1.0 (같은 간격 10개)",
        "b": "0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1 (약 3배씩 9개)",
        "c": "0.001, 0.002, 0.003 (좋다고 알려진 값 근처 3개)",
    },
    answer="b",
    why={
        "a": "학습률은 몇 배 차이인지가 중요합니다. 0.1에서 1까지는 한 자릿수뿐이라, 좋은 값이 0.003 근처에 있으면 하나도 닿지 못합니다.",
        "c": "다른 기법이나 다른 문제에서는 좋은 학습률이 몇 자릿수나 달라집니다(네스테로프와 Adam의 골짜기처럼). "
             "좁게 훑으면 골짜기를 통째로 놓칠 수 있습니다.",
    },
    explain="로그 눈금에서 같은 간격, 곧 같은 배수로 넓게 훑은 뒤 골짜기 근처를 더 촘촘히 봅니다.",
)
